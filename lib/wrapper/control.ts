import { readFile, stat, unlink } from 'node:fs/promises';
import { CorruptFileError, errnoCode } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { parseJsonObject } from '../common/marker.js';

/** The signals `train-monitor stop` may ask for. */
export const CONTROL_SIGNALS = ['TERM', 'INT', 'USR1', 'USR2'] as const;
export type ControlSignal = (typeof CONTROL_SIGNALS)[number];

/** `.train_control[.<run-id>].json`, written atomically by `train-monitor stop` into the run's work dir. */
export interface ControlRequest {
  schema: 1;
  run_id: string | null;
  signal: ControlSignal;
  reason: string | null;
  /** `user@host` of whoever asked. */
  by: string;
  /** ISO time it was written (the login node's clock). */
  at: string;
  /** Unique per request: the wrapper acts once per nonce. */
  nonce: string;
}


/** Parses a control file; throws CorruptFileError naming what is wrong. */
export function parseControlRequest(text: string, file: string): ControlRequest {
  const data = parseJsonObject(text, file);
  const c = data as Record<string, unknown>;
  if (c.schema !== 1) throw new CorruptFileError(file, `schema ${JSON.stringify(c.schema)} is not 1 (a newer train-monitor?)`);
  if (typeof c.signal !== 'string' || !(CONTROL_SIGNALS as readonly string[]).includes(c.signal)) {
    throw new CorruptFileError(file, `signal ${JSON.stringify(c.signal)} is not one of ${CONTROL_SIGNALS.join(', ')}`);
  }
  if (typeof c.nonce !== 'string' || c.nonce === '') throw new CorruptFileError(file, 'no nonce');
  if (typeof c.at !== 'string' || Number.isNaN(Date.parse(c.at))) {
    throw new CorruptFileError(file, `at ${JSON.stringify(c.at)} is not an ISO time`);
  }
  if (c.run_id !== null && typeof c.run_id !== 'string') throw new CorruptFileError(file, 'run_id is neither a string nor null');
  return {
    schema: 1,
    run_id: c.run_id as string | null,
    signal: c.signal as ControlSignal,
    reason: typeof c.reason === 'string' && c.reason !== '' ? c.reason : null,
    by: typeof c.by === 'string' && c.by !== '' ? c.by : 'unknown',
    at: c.at,
    nonce: c.nonce,
  };
}

/** Why a valid request is not for this run, or null when it is. */
export function judgeControlRequest(request: ControlRequest, runId: string | null, startedAt: Date): string | null {
  if (request.run_id !== runId) return `it is for run ${request.run_id ?? '(none)'}, this is run ${runId ?? '(none)'}`;
  // `at` may carry whole seconds only: compare with the start's second, so a stop in the first second counts.
  if (Date.parse(request.at) < Math.floor(startedAt.getTime() / 1000) * 1000) {
    return `it is stale: written at ${request.at}, before this run started`;
  }
  return null;
}

export interface ControlWatchOptions {
  path: string;
  runId: string | null;
  startedAt: Date;
  intervalMs: number;
  /** Called once per nonce with a request meant for this run; the file is removed afterwards. */
  onRequest: (request: ControlRequest) => void;
  logger: Logger;
}

/**
 * Looks at the control file every `intervalMs` with one `stat` (NFS-safe: no inotify); reads it only when its
 * inode, size or mtime changed (`train-monitor stop` renames a new file into place). A request for this run is
 * acted on once per nonce and the file removed; one for another run, a stale one or a broken one is warned about
 * once and left alone. Returns the function that stops watching; it resolves once a look in progress (and its
 * removal of a done file) is over.
 */
export function watchControlFile(options: ControlWatchOptions): () => Promise<void> {
  const { path, logger } = options;
  const handled = new Set<string>();
  let lastSeen = '';
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let looking: Promise<void> = Promise.resolve();

  const look = async () => {
    let key: string;
    try {
      const s = await stat(path);
      key = `${s.ino}:${s.size}:${s.mtimeMs}`;
    } catch {
      lastSeen = ''; // absent (or unreadable for now): look again next time
      return;
    }
    if (key === lastSeen) return;
    lastSeen = key;
    let request: ControlRequest;
    try {
      request = parseControlRequest(await readFile(path, 'utf8'), path);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return void (lastSeen = '');
      logger.warn(
        `ignoring the control file ${error instanceof CorruptFileError ? error.message : `${path}: ${errnoCode(error) ?? String(error)}`}`,
      );
      return;
    }
    if (handled.has(request.nonce)) return removeIfSame(path, request.nonce);
    const notOurs = judgeControlRequest(request, options.runId, options.startedAt);
    if (notOurs !== null) {
      logger.warn(`ignoring the control file ${path}: ${notOurs}`);
      return;
    }
    handled.add(request.nonce);
    if (stopped) return;
    options.onRequest(request);
    await removeIfSame(path, request.nonce);
  };
  const loop = () => {
    looking = look()
      .catch(() => undefined)
      .finally(() => {
        if (!stopped) timer = setTimeout(loop, options.intervalMs).unref();
      });
  };
  loop();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    return looking;
  };
}

// Removes the file once its request is done, unless a newer request (another nonce) took its place meanwhile.
async function removeIfSame(path: string, nonce: string): Promise<void> {
  try {
    if (parseControlRequest(await readFile(path, 'utf8'), path).nonce === nonce) await unlink(path);
  } catch {
    // gone already, or replaced by something that the next look reads
  }
}
