import { closeSync, fstatSync, mkdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import { basename, isAbsolute, relative } from 'node:path';
import { errnoCode, UsageError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { CommandProcess, OutputTarget } from './child.js';
import { findTee, startNativeTee } from './native-tee.js';
import { startOrphanGuard, type OrphanGuard } from './orphan-guard.js';
import type { Writable } from 'node:stream';
import { openLogFile, teeStream, type LogSink, type OutputStats } from './tee.js';

type Sink = NodeJS.WritableStream & NodeJS.EventEmitter;

/** Creates the log dir and the log (never overwriting one); a failure is bad input, reported before anything runs. */
export function createLog(dir: string, name: string): { fd: number; path: string } {
  try {
    mkdirSync(dir, { recursive: true });
    return openLogFile(dir, name);
  } catch (error) {
    throw new UsageError(`cannot create the log in ${dir}: ${errnoCode(error) ?? String(error)}`);
  }
}

/** The command's output on its way to the console and the log. */
export interface CommandOutput {
  /** For the command's spawn: where its stdout and stderr go. */
  readonly targets: readonly [OutputTarget, OutputTarget];
  /** Bytes and time of the last output so far, for the heartbeat. */
  readonly stats: OutputStats;
  /** Once the command was spawned (or failed to): starts the copying, or lets go of the command's ends. */
  attach(command: CommandProcess): void;
  /** The orphan guard (see orphan-guard.ts): armed once the command started, stopped once it was seen out. */
  readonly guard: OrphanGuard;
  /** Why writing the log failed (the first reason), or null: the log then misses what came after. */
  logError(): string | null;
  /** Resolves when everything the command wrote is in the log and on the console. */
  readonly done: Promise<unknown>;
  /** Ends the copying now (the command is gone but something it left still holds its pipes); stats stay readable. */
  stop(): void;
}

/**
 * Sets up the copying of the command's output to `stdout`/`stderr` and into the log, before the command starts.
 * Where coreutils tee is installed it does the copying (see native-tee.ts): the bytes never pass through the
 * wrapper, and the heartbeat reads the log's size and mtime. Elsewhere the wrapper copies them itself (tee.ts).
 * A log that fails (disk full, dir gone) is warned about once and dropped; a console that fails (EPIPE) is dropped
 * silently: the command keeps running either way.
 */
export async function startOutput(
  log: { fd: number; path: string },
  stdout: Sink,
  stderr: Sink,
  logger: Logger,
  tee = findTee(),
): Promise<CommandOutput> {
  let problem: string | null = null;
  const warn = (reason: string) => {
    if (problem === null) logger.warn(`cannot write the log ${log.path}: ${reason}; output still goes to the console`);
    problem ??= reason;
  };
  const logError = () => problem;
  if (tee === null) return { ...copyInProcess(log, stdout, stderr, warn), logError };
  // tee's lines read "tee: <file>: <reason>". Only the log's count: a console that went away (EPIPE is silent,
  // a socket says ECONNRESET) is dropped silently, as the in-process copier does.
  const name = basename(log.path);
  const native = await startNativeTee(tee, log.path, (line) => {
    const at = line.indexOf(name);
    if (at >= 0) warn(line.slice(at + name.length).replace(/^['"]?: /, ''));
  });
  if (native === null) return { ...copyInProcess(log, stdout, stderr, warn), logError };
  const stats = logFileStats(log.fd);
  return {
    logError,
    targets: [native.commandStdout, native.commandStderr],
    stats,
    attach: () => native.release(),
    guard: native.guard,
    done: native.done,
    stop() {
      stats.freeze();
      native.kill();
    },
  };
}

// The log's size and last change, read when the heartbeat asks (two fstat calls a beat); frozen by stop(), before
// the log's descriptor is closed and its number possibly reused.
export function logFileStats(fd: number): OutputStats & { freeze(): void } {
  let frozen: { size: number; mtimeMs: number } | null = null;
  let last = { size: 0, mtimeMs: 0 };
  const read = () => {
    if (frozen) return frozen;
    try {
      const { size, mtimeMs } = fstatSync(fd);
      last = { size, mtimeMs };
    } catch {
      // keep the last reading
    }
    return last;
  };
  return {
    get bytes() {
      return read().size;
    },
    // The filesystem's mtime, kept within [0, now] (a file server's clock may run ahead of this node's).
    get lastOutputAt() {
      const now = read();
      return now.size > 0 ? Math.min(now.mtimeMs, Date.now()) : 0;
    },
    freeze() {
      frozen = read();
    },
  };
}

// The wrapper reads the command's pipes and writes the log and the console itself.
function copyInProcess(
  log: { fd: number; path: string },
  stdout: Sink,
  stderr: Sink,
  warn: (reason: string) => void,
): Omit<CommandOutput, 'logError'> {
  const stats: OutputStats = { bytes: 0, lastOutputAt: 0 };
  const sink: LogSink = { fd: log.fd, failed: false, onError: (error) => warn(errnoCode(error) ?? String(error)) };
  let stdoutOk = true;
  let stderrOk = true;
  stdout.on('error', () => (stdoutOk = false));
  stderr.on('error', () => (stderrOk = false));
  let command: CommandProcess | null = null;
  let finish: (value: unknown) => void = () => undefined;
  const done = new Promise((resolve) => (finish = resolve));
  const guard = startOrphanGuard();
  return {
    targets: ['pipe', 'pipe'],
    stats,
    guard,
    attach(started) {
      command = started;
      const streams = [];
      if (started.stdout) {
        streams.push(teeStream(started.stdout, sink, { stream: stdout as unknown as Writable, ok: () => stdoutOk }, stats));
      }
      if (started.stderr) {
        streams.push(teeStream(started.stderr, sink, { stream: stderr as unknown as Writable, ok: () => stderrOk }, stats));
      }
      void Promise.all(streams).then(finish);
    },
    done,
    stop() {
      command?.stdout?.destroy();
      command?.stderr?.destroy();
    },
  };
}

/** Closes the log (its data is already written: writes are synchronous). */
export function closeLog(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed or the filesystem is gone: nothing more to save
  }
}

/** A path relative to the work dir when it lies inside it, else absolute (a --log-dir outside the work dir). */
export function relativeInside(workDir: string, path: string): string {
  const rel = relative(workDir, path);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}

/** The user name for markers: the account's, else $USER, else the numeric uid (containers without a passwd entry). */
export function currentUser(env: NodeJS.ProcessEnv): string {
  try {
    return userInfo().username;
  } catch {
    return env.USER || env.LOGNAME || String(process.getuid?.() ?? 'unknown');
  }
}

/** One line for a command that could not start without a shell, with the status the shell would give. */
export function describeSpawnError(file: string, code: string): string {
  if (code === 'ENOENT') return `cannot run '${file}': command not found (exit 127)`;
  if (code === 'EACCES') return `cannot run '${file}': permission denied, not executable (exit 126)`;
  return `cannot run '${file}': ${code} (exit 126)`;
}
