import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { errnoCode } from '../common/errors.js';
import type { CommandSpec } from './options.js';
import type { CommandEnd } from './status.js';

/** The running command: its own process group, its output pipes, and how it ended. */
export interface CommandProcess {
  readonly pid: number | undefined;
  /** The command's output pipes where the wrapper reads them itself, else null. */
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  /** Resolves when the command has exited (or could not start). */
  readonly exited: Promise<CommandEnd>;
  /** Sends a signal to the command's whole process group; false when nothing was left to signal. */
  signalGroup(signal: NodeJS.Signals): boolean;
  /** True while any process of the group is alive. */
  groupAlive(): boolean;
}

/**
 * Debian's /bin/sh (dash) does not exec the last command, so the shell stays the command's parent and gets every
 * signal sent to the group. Its traps keep it alive through USR1/USR2 (meant for the training script) and make it
 * wait for the command on TERM/INT/HUP before exiting 128+N; traps with a handler are reset on exec, so the command
 * itself still receives each signal with its own disposition.
 */
const SHELL_PRELUDE = `trap : USR1 USR2; trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM; eval "$1"`;

/** Where the command's stdout and stderr go: pipes the wrapper reads ('pipe'), or descriptors of tee's pipes. */
export type OutputTarget = 'pipe' | number;

/** Starts the command in its own process group (session), cwd = work dir, stdin inherited, output to `output`. */
export function startCommand(
  command: CommandSpec,
  options: { cwd: string; env: NodeJS.ProcessEnv; output: readonly [OutputTarget, OutputTarget] },
): CommandProcess {
  const [file, args] = command.shell ? ['/bin/sh', ['-c', SHELL_PRELUDE, 'sh', command.text]] : [command.file, command.args];
  const child: ChildProcess = spawn(file, args, {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ['inherit', options.output[0], options.output[1]],
  });
  const pid = child.pid;
  const exited = new Promise<CommandEnd>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal, spawnError: null }));
    child.once('error', (error) => {
      // Only a failed start ends the command here; a failed kill() of a live child is not an ending.
      if (pid === undefined) {
        child.stdout?.destroy();
        child.stderr?.destroy();
        resolve({ code: null, signal: null, spawnError: errnoCode(error) ?? 'EUNKNOWN' });
      }
    });
  });
  const signalGroup = (signal: NodeJS.Signals | 0): boolean => {
    if (pid === undefined) return false;
    try {
      process.kill(-pid, signal);
      return true;
    } catch {
      return false;
    }
  };
  return {
    pid,
    stdout: child.stdout,
    stderr: child.stderr,
    exited,
    signalGroup: (signal) => signalGroup(signal),
    groupAlive: () => signalGroup(0),
  };
}

/** Forwards signals to the group, SIGKILLs it `graceMs` after the first terminating one, and cleans up after exit. */
export function superviseCommand(command: CommandProcess, graceMs: number) {
  let graceTimer: NodeJS.Timeout | null = null;
  let finished = false;
  void command.exited.then(() => {
    finished = true;
    if (graceTimer) clearTimeout(graceTimer);
  });
  return {
    /** Passes a signal to every process of the command's group. */
    forward(signal: NodeJS.Signals): void {
      if (!finished) command.signalGroup(signal);
    },
    /** Forwards a terminating signal and arms the SIGKILL that follows `graceMs` later (armed once). */
    terminate(signal: NodeJS.Signals): void {
      if (finished) return;
      command.signalGroup(signal);
      if (graceTimer === null) {
        graceTimer = setTimeout(() => command.signalGroup('SIGKILL'), graceMs);
      }
    },
    /** After the command exited: SIGKILL whatever it left in its group, so no grandchild survives. */
    killLeftovers(): boolean {
      if (graceTimer) clearTimeout(graceTimer);
      return command.groupAlive() && command.signalGroup('SIGKILL');
    },
  };
}

/** The signals the wrapper passes on to the command; SIGUSR1 is Slurm's "checkpoint now". */
export const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGUSR1', 'SIGUSR2'];

/**
 * Listens for every forwarded signal (a SIGUSR1 listener also keeps Node's inspector from starting);
 * returns the function that stops listening.
 */
export function listenForSignals(handler: (signal: NodeJS.Signals) => void): () => void {
  const listeners = FORWARDED_SIGNALS.map((signal) => {
    const listener = () => handler(signal);
    process.on(signal, listener);
    return [signal, listener] as const;
  });
  return () => {
    for (const [signal, listener] of listeners) process.off(signal, listener);
  };
}
