import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import type { Writable } from 'node:stream';

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
 * One shell, started before the command, becomes two tee processes: one copies the command's stdout to the
 * wrapper's stdout, the other its stderr to the wrapper's stderr, both appending to the log (O_APPEND: their
 * writes never overwrite each other). The bytes never pass through the wrapper, so a job printing line by line
 * costs what `cmd | tee log` costs. Their promises hold by construction:
 * - byte-exact log, stdout and stderr kept apart: tee copies what it reads, one tee per stream;
 * - backpressure: tee blocks on a slow disk or a full console pipe, so the command's pipe fills and it waits;
 * - signals: HUP INT TERM USR1 USR2 are ignored (and stay ignored across exec), so a scancel that signals every
 *   process of the step leaves the copying alive while the command writes its last lines; PIPE is ignored too, so
 *   a closed console makes tee drop that output silently and go on writing the log (coreutils tee); XFSZ too, so
 *   a log over `ulimit -f` fails with EFBIG like a full disk instead of killing tee;
 * - a failing log: tee says so on its stderr (a pipe to the wrapper, which warns once) and keeps the console going.
 * stdio of the shell: 0 = the command's stdout (our end handed to the command), 1 = our stdout, 2 = tee's own
 * messages to us, 3 = the command's stderr, 4 = our stderr.
 */
const SCRIPT = `trap '' HUP INT TERM USR1 USR2 PIPE XFSZ; "$0" -a -- "$1" <&3 >&4 3<&- 4<&- & exec "$0" -a -- "$1" 3<&- 4<&-`;

export interface NativeTee {
  /** The ends the command writes to, for its spawn's stdio[1] and stdio[2]. */
  readonly commandStdout: Writable;
  readonly commandStderr: Writable;
  /** Resolves once both tees have exited (they exit when every writer of their pipe has closed it). */
  readonly done: Promise<void>;
  /** Drops the wrapper's copies of the command's ends (after the command was spawned), so the tees see EOF. */
  release(): void;
  /** SIGKILLs both tees (a process the command left behind still holds their pipes). */
  kill(): void;
}

/** Starts the two tees appending to `logPath`; `onProblem` gets each line tee writes to its stderr. */
export function startNativeTee(tee: string, logPath: string, onProblem: (line: string) => void): NativeTee {
  const shell: ChildProcess = spawn('/bin/sh', ['-c', SCRIPT, tee, logPath], {
    stdio: ['pipe', 'inherit', 'pipe', 'pipe', 2],
    // The C locale: tee starts without reading locale files (it copies bytes; its messages are parsed, not shown).
    env: { ...process.env, LC_ALL: 'C' },
    detached: true, // its own group: kill() reaches both tees, and a terminal's Ctrl-C reaches only the command
  });
  shell.on('error', () => undefined); // a failed start shows as the command's EPIPE; /bin/sh is checked for below
  const commandStdout = shell.stdio[0] as Writable;
  const commandStderr = shell.stdio[3] as Writable;
  let pending = '';
  const problems = shell.stdio[2];
  const exited = new Promise<void>((resolve) => {
    if (shell.pid === undefined) resolve();
    shell.once('exit', () => resolve());
    shell.once('error', () => resolve());
  });
  const drained = new Promise<void>((resolve) => {
    if (!problems) return resolve();
    problems.setEncoding('utf8');
    problems.on('data', (text: string) => {
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line) onProblem(line);
    });
    // Both tees hold this pipe: it closes when the second of them has exited.
    problems.once('close', () => {
      if (pending) onProblem(pending);
      resolve();
    });
  });
  // The stdout tee (the shell, exec'd) is also waited for, so that it is reaped, not left to init.
  const done = Promise.all([exited, drained]).then(() => undefined);
  return {
    commandStdout,
    commandStderr,
    done,
    release() {
      commandStdout.destroy();
      commandStderr.destroy();
    },
    kill() {
      if (shell.pid === undefined) return;
      try {
        process.kill(-shell.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      problems?.destroy();
    },
  };
}
