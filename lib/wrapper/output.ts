import { mkdirSync, type WriteStream } from 'node:fs';
import { userInfo } from 'node:os';
import { isAbsolute, relative } from 'node:path';
import { errnoCode, UsageError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { CommandProcess } from './child.js';
import { openLogFile, teeStream, type OutputStats } from './tee.js';

type Sink = NodeJS.WritableStream & NodeJS.EventEmitter;

/** Creates the log dir and the log (never overwriting one); a failure is bad input, reported before anything runs. */
export function createLog(dir: string, name: string): { stream: WriteStream; path: string } {
  try {
    mkdirSync(dir, { recursive: true });
    return openLogFile(dir, name);
  } catch (error) {
    throw new UsageError(`cannot create the log in ${dir}: ${errnoCode(error) ?? String(error)}`);
  }
}

/**
 * Tees the command's stdout to `stdout` and its stderr to `stderr`, both into the log. A log that fails (disk full,
 * dir gone) is warned about once and dropped; an echo target that fails (EPIPE) is dropped silently: the command
 * keeps running either way. Resolves when both pipes are done.
 */
export function startTee(command: CommandProcess, log: WriteStream, stats: OutputStats, stdout: Sink, stderr: Sink, logger: Logger): Promise<unknown> {
  let logOk = true;
  let stdoutOk = true;
  let stderrOk = true;
  log.on('error', (error) => {
    if (logOk) logger.warn(`cannot write the log ${log.path}: ${errnoCode(error) ?? String(error)}; output still goes to the console`);
    logOk = false;
  });
  stdout.on('error', () => (stdoutOk = false));
  stderr.on('error', () => (stderrOk = false));
  const streams = [];
  if (command.stdout) streams.push(teeStream(command.stdout, { log, echo: stdout as never, logOk: () => logOk, echoOk: () => stdoutOk }, stats));
  if (command.stderr) streams.push(teeStream(command.stderr, { log, echo: stderr as never, logOk: () => logOk, echoOk: () => stderrOk }, stats));
  return Promise.all(streams);
}

/** Flushes and closes the log; gives up waiting after `timeoutMs` (a hung filesystem must not hold the marker back). */
export function closeLog(log: WriteStream, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    if (log.destroyed || log.closed) return done();
    log.once('close', done);
    log.once('error', done);
    log.end();
  });
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
