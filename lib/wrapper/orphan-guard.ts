import { spawn } from 'node:child_process';
import type { Writable } from 'node:stream';

/**
 * The guard, as a shell fragment reading the wrapper's pipe on its stdin: the first line is the command's process
 * group; then it blocks until a second line. The wrapper writes `done` once it has seen the command out itself;
 * if instead the pipe reaches its end without it, the wrapper is gone (OOM killer, SIGKILL: the kernel closes
 * its end, whatever killed it), and the guard SIGKILLs the group at once. No polling, no timer.
 */
export const GUARD_SCRIPT = 'read group || exit 0; read said; [ "$said" = done ] || kill -KILL -"$group" 2>/dev/null';

/**
 * The command runs in a process group of its own (so the wrapper can signal its whole tree), which Slurm's
 * proctrack/pgid does not follow, and which proctrack/linuxproc loses once the wrapper is gone. If the wrapper is
 * killed outright, nothing would end that group: the guard does, so no training keeps a node busy after its job.
 */
export interface OrphanGuard {
  /** Once the command was spawned: the group to kill if the wrapper dies (undefined: it did not start). */
  arm(group: number | undefined): void;
  /** The wrapper has seen the command out itself: the guard ends without killing anything. Safe to call twice. */
  stop(): void;
}

/** The guard listening on `input` (the write end of its stdin, held only by this process). */
export function guardOn(input: Writable | null | undefined): OrphanGuard {
  let armed = false;
  let stopped = false;
  const send = (line: string, end: boolean) => {
    if (!input || input.destroyed) return;
    try {
      if (end) input.end(line);
      else input.write(line);
    } catch {
      // the guard is gone already: nothing to tell it
    }
  };
  input?.on('error', () => undefined); // a guard that died early (EPIPE) guards nothing, and says nothing
  return {
    arm(group) {
      if (armed || stopped) return;
      armed = true;
      if (group === undefined) this.stop();
      else send(`${group}\n`, false);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      send(armed ? 'done\n' : '\ndone\n', true);
    },
  };
}

/**
 * A guard of its own: a small `sh` in a session of its own, for when the output is not copied by the tee shell
 * (which runs the guard itself, see native-tee.ts).
 */
export function startOrphanGuard(): OrphanGuard {
  try {
    const guard = spawn('/bin/sh', ['-c', GUARD_SCRIPT], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
    guard.on('error', () => undefined);
    guard.unref();
    return guardOn(guard.stdin);
  } catch {
    return guardOn(null);
  }
}
