import { spawn } from 'node:child_process';

/** How often the guard looks whether the wrapper is still alive. */
const CHECK_EVERY_S = 2;

/**
 * The command runs in a process group of its own (so the wrapper can signal its whole tree), which Slurm's
 * proctrack/pgid does not follow, and which proctrack/linuxproc loses once the wrapper is gone. If the wrapper is
 * killed outright (OOM killer, SIGKILL), nothing would end that group: this small shell, in a session of its own,
 * notices within a couple of seconds and SIGKILLs the group, so no training keeps a node busy after its job.
 * Returns the function that ends the guard once the wrapper has seen the command out itself.
 */
export function startOrphanGuard(wrapperPid: number, commandGroup: number | undefined): () => void {
  if (commandGroup === undefined) return () => undefined;
  const script = `while kill -0 ${wrapperPid} 2>/dev/null; do sleep ${CHECK_EVERY_S}; done; kill -KILL -${commandGroup} 2>/dev/null`;
  let guard: ReturnType<typeof spawn>;
  try {
    guard = spawn('/bin/sh', ['-c', script], { detached: true, stdio: 'ignore' });
  } catch {
    return () => undefined;
  }
  guard.on('error', () => undefined);
  guard.unref();
  return () => {
    // Its whole session: the shell and its current sleep.
    if (guard.pid !== undefined && guard.exitCode === null) {
      try {
        process.kill(-guard.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };
}
