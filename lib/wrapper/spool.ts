import { realpathSync } from 'node:fs';
import { mkdir, unlink } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import { writeFileAtomically } from '../common/atomic-write.js';
import type { Marker, SpoolEntry } from '../common/marker.js';
import { spoolDir } from '../common/paths.js';

/** `<host>.<pid>.<started-ms>`: unique per run, shared by the spool entry and a spooled marker. */
export function spoolKey(host: string, pid: number, startedAt: Date): string {
  return `${host}.${pid}.${startedAt.getTime()}`;
}

/** The spool entry's path: `spoolDir()/<host>.<pid>.<started-ms>.json`. */
export function spoolEntryPath(key: string, env: NodeJS.ProcessEnv): string {
  return join(spoolDir(env), `${key}.json`);
}

/** Writes (or rewrites) this run's spool entry, creating the spool dir; throws on failure. */
export async function writeSpoolEntry(path: string, entry: SpoolEntry): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFileAtomically(path, `${JSON.stringify(entry, null, 2)}\n`, { fsync: false });
}

/** Removes this run's spool entry; a missing entry is fine. */
export async function removeSpoolEntry(path: string): Promise<void> {
  await unlink(path).catch(() => undefined);
}

/**
 * Writes a marker the work dir would not take into the spool, as `.train_complete.<key>.json` (a marker name, so a
 * monitor scanning the spool finds it); returns its path. The marker's own `work_dir` still names the run's dir.
 */
export async function writeMarkerToSpool(marker: Marker, key: string, env: NodeJS.ProcessEnv): Promise<string> {
  const dir = spoolDir(env);
  await mkdir(dir, { recursive: true });
  const path = join(dir, `.train_complete.${key}.json`);
  await writeFileAtomically(path, `${JSON.stringify(marker, null, 2)}\n`);
  return path;
}

/**
 * The log as the spool entry names it: relative to the work dir when its real path lies inside the real work dir
 * (as the marker has it), else its absolute real path (`--log-dir /scratch/…`, a `logs -> /elsewhere` symlink).
 * A monitor reads a log outside the work dir only when the run's entry names exactly that real path.
 */
export function spoolLogFile(workDir: string, logPath: string, asMarker: string): string {
  try {
    const real = realpathSync(logPath);
    const rel = relative(realpathSync(workDir), real);
    return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? real : asMarker;
  } catch {
    return asMarker;
  }
}
