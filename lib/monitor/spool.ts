import { readdir, readFile, unlink } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import type { SpoolEntry } from '../common/marker.js';
import { errnoCode } from '../common/errors.js';
import { mapLimit } from './concurrency.js';
import type { ScanTarget } from './scan.js';
import { readSpoolIndex, saveSpoolIndex } from './spool-index.js';

const READ_CONCURRENCY = 64;

/** An entry older than this with no marker or heartbeat left is dropped. */
export const SPOOL_ENTRY_MAX_AGE_S = 30 * 24 * 3600;

/** One spool entry file, read. */
export interface SpoolRecord {
  path: string;
  entry: SpoolEntry;
  /** The work dir that holds the run's marker (absolute). */
  dir: string;
  markerName: string;
  heartbeatName: string;
}

/** The spool as one pass sees it: the work dirs to look into and which entry belongs to which marker. */
export interface SpoolView {
  targets: ScanTarget[];
  records: SpoolRecord[];
  /** `<dir>/<marker name>` → the spool entry to remove once that marker is delivered. */
  byMarker: Map<string, SpoolRecord>;
  /** Entries that could not be read or parsed (left in place, named once). */
  broken: string[];
  /** Every entry file name in the spool. */
  entryNames: Set<string>;
}

// Marker and heartbeat names may be given as names (in work_dir) or as paths.
function splitName(workDir: string, file: string): { dir: string; name: string } {
  // The common case, a plain name in the work dir, without any path arithmetic (this runs for every entry, every pass).
  if (!file.includes('/') && file !== '..' && file !== '.') return { dir: workDir, name: file };
  const full = isAbsolute(file) ? file : join(workDir, file);
  return { dir: dirname(full), name: basename(full) };
}

/** Reads every `*.json` entry of the spool (one readdir, bounded parallel reads); the spool itself is a target too. */
export async function readSpool(spool: string): Promise<SpoolView> {
  const view: SpoolView = { targets: [{ dir: spool, workDir: null }], records: [], byMarker: new Map(), broken: [], entryNames: new Set() };
  let names: string[];
  try {
    names = await readdir(spool);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return view;
    throw error;
  }
  const entryNames = names.filter((n) => n.endsWith('.json') && !n.startsWith('.'));
  view.entryNames = new Set(entryNames);
  // Entries never change their work dir, so the index in the state dir spares one read per entry per pass.
  const index = await readSpoolIndex(spool);
  const fresh = entryNames.filter((n) => !index.has(n));
  const read = await mapLimit(fresh, READ_CONCURRENCY, async (name) => readEntry(join(spool, name)));
  fresh.forEach((name, i) => {
    const record = read[i];
    if (record) index.set(name, record.entry);
  });
  const records = entryNames.map((name) => {
    const entry = index.get(name);
    return entry ? toRecord(join(spool, name), entry) : null;
  });
  await saveSpoolIndex(spool, index, new Set(entryNames), fresh.length > 0);
  const dirs = new Set<string>();
  for (const [i, record] of records.entries()) {
    if (!record) {
      view.broken.push(join(spool, entryNames[i]));
      continue;
    }
    view.records.push(record);
    view.byMarker.set(join(record.dir, record.markerName), record);
    dirs.add(record.dir);
  }
  for (const dir of dirs) if (dir !== spool) view.targets.push({ dir, workDir: dir });
  return view;
}

// An entry that vanished meanwhile or is not a spool entry yields null.
async function readEntry(path: string): Promise<SpoolRecord | null> {
  try {
    return toRecord(path, JSON.parse(await readFile(path, 'utf8')) as SpoolEntry);
  } catch {
    return null;
  }
}

// Where an entry's marker and heartbeat live; null for something that is not a spool entry.
function toRecord(path: string, entry: SpoolEntry): SpoolRecord | null {
  try {
    if (typeof entry?.work_dir !== 'string' || !isAbsolute(entry.work_dir)) return null;
    const workDir = /\/\.{0,2}\/|\/\.{1,2}$|.\/$/.test(entry.work_dir) ? resolve(entry.work_dir) : entry.work_dir;
    const marker = splitName(workDir, typeof entry.marker_file === 'string' ? entry.marker_file : '.train_complete.json');
    const heartbeat = splitName(workDir, typeof entry.heartbeat_file === 'string' ? entry.heartbeat_file : '.train_running.json');
    return { path, entry, dir: marker.dir, markerName: marker.name, heartbeatName: heartbeat.name };
  } catch {
    return null;
  }
}

/** Removes a spool entry; a missing one is fine (another monitor removed it). */
export async function removeSpoolEntry(record: SpoolRecord): Promise<void> {
  await unlink(record.path).catch((error: unknown) => {
    if (errnoCode(error) !== 'ENOENT') throw error;
  });
}

/** True when the entry's run started long ago (its own clock; a month dwarfs any drift). */
export function isSpoolEntryExpired(record: SpoolRecord, nowMs: number): boolean {
  const started = Date.parse(record.entry.started_at);
  return Number.isFinite(started) && nowMs - started > SPOOL_ENTRY_MAX_AGE_S * 1000;
}

/**
 * The spool entry of a delivered marker that `byMarker` does not know: a marker the wrapper left in the spool
 * (`.train_complete.<key>.json` belongs to `<key>.json`), or one whose entry was rewritten after it was indexed.
 */
export async function findEntryForMarker(view: SpoolView, markerPath: string, spool: string): Promise<SpoolRecord | null> {
  const name = basename(markerPath);
  if (dirname(markerPath) === spool) {
    const key = /^\.train_complete\.(.+)\.json$/.exec(name)?.[1];
    return key && view.entryNames.has(`${key}.json`) ? ({ path: join(spool, `${key}.json`) } as SpoolRecord) : null;
  }
  for (const record of view.records) {
    if (record.dir !== dirname(markerPath)) continue;
    const now = await readEntry(record.path);
    if (now && now.markerName === name) return now;
  }
  return null;
}
