import { closeSync, mkdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import { isAbsolute, relative } from 'node:path';
import { errnoCode, UsageError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { CommandProcess } from './child.js';
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

/**
 * Tees the command's stdout to `stdout` and its stderr to `stderr`, both into the log. A log that fails (disk full,
 * dir gone) is warned about once and dropped; an echo target that fails (EPIPE) is dropped silently: the command
 * keeps running either way. Resolves when both pipes are done.
 */
export function startTee(command: CommandProcess, log: { fd: number; path: string }, stats: OutputStats, stdout: Sink, stderr: Sink, logger: Logger): Promise<unknown> {
  const sink: LogSink = {
    fd: log.fd,
    failed: false,
    onError: (error) => logger.warn(`cannot write the log ${log.path}: ${errnoCode(error) ?? String(error)}; output still goes to the console`),
  };
  let stdoutOk = true;
  let stderrOk = true;
  stdout.on('error', () => (stdoutOk = false));
  stderr.on('error', () => (stderrOk = false));
  const streams = [];
  if (command.stdout) streams.push(teeStream(command.stdout, sink, { stream: stdout as unknown as Writable, ok: () => stdoutOk }, stats));
  if (command.stderr) streams.push(teeStream(command.stderr, sink, { stream: stderr as unknown as Writable, ok: () => stderrOk }, stats));
  return Promise.all(streams);
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
