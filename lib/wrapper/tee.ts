import { createWriteStream, openSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { errnoCode } from '../common/errors.js';

/** What the heartbeat reports about the output so far. */
export interface OutputStats {
  bytes: number;
  /** Date.now() of the last chunk, or 0 before any output. */
  lastOutputAt: number;
}

/** Bytes the log may hold in memory before the command is paused (its pipe then fills and it blocks). */
const LOG_HIGH_WATER = 1 << 20;

/**
 * Creates the log with O_EXCL so an existing log is never overwritten: `name.log`, else `name-2.log`, `name-3.log` …
 * Returns the open stream and the name used.
 */
export function openLogFile(dir: string, baseName: string): { stream: WriteStream; path: string } {
  const stem = baseName.replace(/\.log$/, '');
  for (let n = 1; ; n += 1) {
    const path = join(dir, n === 1 ? `${stem}.log` : `${stem}-${n}.log`);
    try {
      const fd = openSync(path, 'wx', 0o644);
      return { stream: createWriteStream(path, { fd, highWaterMark: LOG_HIGH_WATER }), path };
    } catch (error) {
      if (errnoCode(error) !== 'EEXIST' || n >= 1000) throw error;
    }
  }
}

/** Where one of the command's streams goes: the shared log and the wrapper's own stdout or stderr. */
export interface TeeSinks {
  log: Writable;
  echo: Writable;
  /** Consulted per chunk: false once the sink failed (e.g. EPIPE on stdout, disk gone for the log). */
  logOk: () => boolean;
  echoOk: () => boolean;
}

/**
 * Copies a stream to the log and to the echo target byte for byte, counting bytes only (no per-line work).
 * When either sink is full the source is paused until it drains, so memory stays bounded and the
 * command is slowed by its own full pipe instead. Resolves when the source has ended or closed.
 */
export function teeStream(source: Readable, sinks: TeeSinks, stats: OutputStats): Promise<void> {
  let waiting = 0;
  const resume = () => {
    waiting -= 1;
    if (waiting === 0) source.resume();
  };
  const waitFor = (sink: Writable) => {
    waiting += 1;
    let done = false;
    const once = () => {
      if (done) return;
      done = true;
      sink.off('drain', once);
      sink.off('close', once);
      sink.off('error', once);
      resume();
    };
    sink.on('drain', once);
    sink.on('close', once);
    sink.on('error', once);
  };
  source.on('data', (chunk: Buffer) => {
    stats.bytes += chunk.length;
    stats.lastOutputAt = Date.now();
    const logFull = sinks.logOk() && !sinks.log.write(chunk);
    const echoFull = sinks.echoOk() && !sinks.echo.write(chunk);
    if (logFull || echoFull) {
      source.pause();
      if (logFull) waitFor(sinks.log);
      if (echoFull) waitFor(sinks.echo);
    }
  });
  return new Promise((resolve) => {
    source.once('end', resolve);
    source.once('close', resolve);
    source.once('error', resolve);
  });
}
