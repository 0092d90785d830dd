import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, mkdtempSync, openSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where coreutils puts tee; the first executable one is used, else the wrapper copies the output itself. */
const TEE_PATHS = ['/usr/bin/tee', '/bin/tee'];

/** The tee program to hand the copying to, or null where there is none. */
export function findTee(): string | null {
  for (const path of TEE_PATHS) {
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here
    }
  }
  return null;
}

/**
 * One shell, started before the command, makes two FIFOs and becomes two tee processes reading them: one copies
 * the command's stdout to the wrapper's stdout, the other its stderr to the wrapper's stderr, both appending to
 * the log (O_APPEND: their writes never overwrite each other). The wrapper opens the FIFOs' write ends and gives
 * them to the command as its stdout and stderr: real pipes, which take a line-by-line writer's small writes far
 * more cheaply than the socket pairs Node makes for a child's stdio (1.4x the wall time of `| tee` with those).
 * The bytes never pass through the wrapper, so a job printing line by line costs what `cmd | tee log` costs.
 * Their promises hold by construction:
 * - byte-exact log, stdout and stderr kept apart: tee copies what it reads, one tee per stream;
 * - backpressure: tee blocks on a slow disk or a full console pipe, so the command's pipe fills and it waits;
 * - signals: HUP INT TERM USR1 USR2 are ignored (and stay ignored across exec), so a scancel that signals every
 *   process of the step leaves the copying alive while the command writes its last lines; PIPE is ignored too, so
 *   a closed console makes tee drop that output silently and go on writing the log (coreutils tee); XFSZ too, so
 *   a log over `ulimit -f` fails with EFBIG like a full disk instead of killing tee;
 * - a failing log: tee says so on its stderr (a pipe to the wrapper, which warns once) and keeps the console going.
 * stdio of the shell: 1 = our stdout, 2 = its messages to us ("ready" once the FIFOs exist), 3 = our stderr.
 */
const SCRIPT =
  `trap '' HUP INT TERM USR1 USR2 PIPE XFSZ; mkfifo -m 600 "$2" "$3" || exit 1; echo ready >&2; ` +
  `"$0" -a -- "$1" <"$3" >&3 3>&- & exec "$0" -a -- "$1" <"$2" 3>&-`;

export interface NativeTee {
  /** The descriptors the command writes to, for its spawn's stdio[1] and stdio[2]. */
  readonly commandStdout: number;
  readonly commandStderr: number;
  /** Resolves once both tees have exited (they exit when every writer of their pipe has closed it). */
  readonly done: Promise<void>;
  /** Closes the wrapper's copies of the command's ends (after the command was spawned), so the tees see EOF. */
  release(): void;
  /** SIGKILLs both tees (a process the command left behind still holds their pipes). */
  kill(): void;
}

/**
 * Starts the two tees appending to `logPath`; `onProblem` gets each line tee writes to its stderr. Null where they
 * cannot be set up (no mkfifo, no temp dir): the wrapper then copies the output itself.
 */
export async function startNativeTee(tee: string, logPath: string, onProblem: (line: string) => void): Promise<NativeTee | null> {
  let dir: string;
  try {
    dir = mkdtempSync(join(tmpdir(), 'hpc-run-tee-'));
  } catch {
    return null;
  }
  const fifos = [join(dir, 'out'), join(dir, 'err')];
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  const shell: ChildProcess = spawn('/bin/sh', ['-c', SCRIPT, tee, logPath, ...fifos], {
    stdio: ['ignore', 'inherit', 'pipe', 2],
    // The C locale: tee starts without reading locale files (it copies bytes; its messages are parsed, not shown).
    env: { ...process.env, LC_ALL: 'C' },
    detached: true, // its own group: kill() reaches both tees, and a terminal's Ctrl-C reaches only the command
  });
  shell.on('error', () => undefined);
  const exited = new Promise<void>((resolve) => {
    if (shell.pid === undefined) resolve();
    shell.once('exit', () => resolve());
    shell.once('error', () => resolve());
  });
  let pending = '';
  let signalReady: (ok: boolean) => void = () => undefined;
  const ready = new Promise<boolean>((resolve) => (signalReady = resolve));
  void exited.then(() => signalReady(false));
  const problems = shell.stdio[2];
  const drained = new Promise<void>((resolve) => {
    if (!problems) return resolve();
    problems.setEncoding('utf8');
    problems.on('data', (text: string) => {
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (line === 'ready') signalReady(true);
        else if (line) onProblem(line);
      }
    });
    // Both tees hold this pipe: it closes when the second of them has exited.
    problems.once('close', () => {
      if (pending) onProblem(pending);
      resolve();
    });
  });
  let finished = false;
  // The stdout tee (the shell, exec'd) is also waited for, so that it is reaped, not left to init.
  const done = Promise.all([exited, drained]).then(() => {
    finished = true;
  });
  const kill = () => {
    // Once both have exited their group id may be reused: nothing to kill then.
    if (shell.pid === undefined || finished) return;
    try {
      process.kill(-shell.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    problems?.destroy();
  };
  if (!(await ready)) {
    kill();
    cleanup();
    return null;
  }
  // Each open waits for tee to open the other end (a FIFO's rendezvous); a shell that dies first releases them.
  const opening = Promise.all(fifos.map((path) => open(path, constants.O_WRONLY)));
  const opened = await Promise.race([opening.then(() => true, () => false), exited.then(() => false)]);
  if (!opened) {
    for (const path of fifos) {
      try {
        closeSync(openSync(path, constants.O_RDONLY | constants.O_NONBLOCK));
      } catch {
        // not there or already released
      }
    }
    await opening.then((handles) => Promise.all(handles.map((h) => h.close())), () => undefined);
    kill();
    cleanup();
    return null;
  }
  const handles = await opening;
  cleanup(); // the pipes live on in the open descriptors
  return {
    commandStdout: handles[0].fd,
    commandStderr: handles[1].fd,
    done,
    release() {
      for (const handle of handles) void handle.close().catch(() => undefined);
    },
    kill,
  };
}
