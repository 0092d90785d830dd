import { openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { errnoCode } from '../common/errors.js';

/** What the heartbeat reports about the output so far. */
export interface OutputStats {
  bytes: number;
  /** Date.now() of the last chunk, or 0 before any output. */
  lastOutputAt: number;
}

/**
 * Creates the log with O_EXCL so an existing log is never overwritten: `name.log`, else `name-2.log`, `name-3.log` …
 * Returns the open file descriptor and the path used.
 */
export function openLogFile(dir: string, baseName: string): { fd: number; path: string } {
  const stem = baseName.replace(/\.log$/, '');
  for (let n = 1; ; n += 1) {
    const path = join(dir, n === 1 ? `${stem}.log` : `${stem}-${n}.log`);
    try {
      return { fd: openSync(path, 'ax', 0o644), path }; // append: tee (or a retry's separator) may write too
    } catch (error) {
      if (errnoCode(error) !== 'EEXIST' || n >= 1000) throw error;
    }
  }
}

/** The log file both of the command's streams go to; `failed` is set once a write failed (disk full, dir gone). */
export interface LogSink {
  fd: number;
  failed: boolean;
  onError: (error: unknown) => void;
}

// Writes the whole chunk (a regular file may take it in parts); marks the log failed on the first error.
function writeToLog(log: LogSink, chunk: Buffer): void {
  try {
    for (let done = 0; done < chunk.length; ) done += writeSync(log.fd, chunk, done, chunk.length - done);
  } catch (error) {
    log.failed = true;
    log.onError(error);
  }
}

/**
 * The copier used where there is no tee program (see native-tee.ts): copies a stream into the log and to the echo
 * target byte for byte, counting bytes only (no per-line work).
 * The log is written synchronously: nothing queues in memory, and while the disk is slow the command's pipe fills
 * and the command blocks (backpressure). An echo target that reports itself full pauses the source until it drains.
 * Resolves when the source has ended or closed.
 */
export function teeStream(
  source: Readable,
  log: LogSink,
  echo: { stream: Writable; ok: () => boolean },
  stats: OutputStats,
): Promise<void> {
  const stream = echo.stream;
  const resume = () => {
    stream.off('drain', resume);
    stream.off('error', resume);
    stream.off('close', resume);
    source.resume();
  };
  source.on('data', (chunk: Buffer) => {
    stats.bytes += chunk.length;
    stats.lastOutputAt = Date.now();
    if (!log.failed) writeToLog(log, chunk);
    if (echo.ok() && !stream.write(chunk)) {
      source.pause();
      stream.on('drain', resume);
      stream.on('error', resume); // a broken echo (EPIPE) must not hold the command back
      stream.on('close', resume);
    }
  });
  return new Promise((resolve) => {
    source.once('end', resolve);
    source.once('close', resolve);
    source.once('error', resolve);
  });
}
