import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { errnoCode } from '../common/errors.js';
import type { Marker } from '../common/marker.js';
import type { LogNote } from './types.js';

/**
 * The one log outside the work dir this run may show: the absolute real path its spool entry (the user's private
 * state dir) names, or null. Asked only when the marker's log lies outside.
 */
export type OutsideLog = () => Promise<string | null>;

export interface ResolvedLogPath {
  /** The real path of the log, inside the work dir; null when its content must not or cannot be read. */
  path: string | null;
  note: LogNote | null;
}

/** True when `child` is `parent` or lies below it (both already real paths). */
export function isInside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/**
 * Resolves a marker's `log_file` (relative to the work dir, or absolute) and allows it only when its real path
 * lies inside the real work dir: `..`, an absolute path elsewhere or a symlink pointing out all give no path and
 * an `outside_work_dir` note. A symlinked work dir itself is fine (both sides are resolved). The one exception:
 * a log whose real path is exactly the one `outsideLog` gives (the run's spool entry; a marker alone never can).
 */
export async function resolveLogPath(marker: Marker, workDir: string, outsideLog?: OutsideLog): Promise<ResolvedLogPath> {
  const given = marker.log_file;
  if (!given) return { path: null, note: { kind: 'no_log_file', path: null } };
  if (given.includes('\0')) return { path: null, note: { kind: 'outside_work_dir', path: given } };
  let realWorkDir: string;
  try {
    realWorkDir = await realpath(workDir);
  } catch (error) {
    return { path: null, note: { kind: 'unreadable', path: given, detail: errnoCode(error) } };
  }
  const base = resolve(workDir);
  const candidate = isAbsolute(given) ? rebase(given, marker.work_dir, base) : resolve(base, given);
  // Lexical check first: a path that names a place outside is refused even when that place does not exist.
  if (!isInside(base, candidate) && !isInside(realWorkDir, candidate)) {
    return (await allowedOutside(candidate, outsideLog)) ?? { path: null, note: { kind: 'outside_work_dir', path: given } };
  }
  let real: string;
  try {
    real = await realpath(candidate);
  } catch (error) {
    const code = errnoCode(error);
    const kind = code === 'ENOENT' || code === 'ENOTDIR' ? 'missing' : 'unreadable';
    return { path: null, note: { kind, path: given, detail: code } };
  }
  if (!isInside(realWorkDir, real)) {
    return (await allowedOutside(candidate, outsideLog)) ?? { path: null, note: { kind: 'outside_work_dir', path: given } };
  }
  try {
    if (!(await stat(real)).isFile()) return { path: null, note: { kind: 'not_a_file', path: given } };
  } catch (error) {
    return { path: null, note: { kind: 'unreadable', path: given, detail: errnoCode(error) } };
  }
  return { path: real, note: null };
}

// An absolute log path written under the work dir as the compute node named it is read under the monitor's name.
function rebase(path: string, markerWorkDir: string, workDir: string): string {
  if (markerWorkDir && isAbsolute(markerWorkDir) && isInside(markerWorkDir, path)) {
    return join(workDir, relative(markerWorkDir, path));
  }
  return path;
}

// A log outside the work dir, allowed only when its real path is exactly the spool entry's; null otherwise.
async function allowedOutside(candidate: string, outsideLog?: OutsideLog): Promise<ResolvedLogPath | null> {
  if (!outsideLog) return null;
  try {
    const allowed = await outsideLog();
    if (allowed === null || !isAbsolute(allowed)) return null;
    const real = await realpath(candidate);
    if (real !== allowed || !(await stat(real)).isFile()) return null;
    return { path: real, note: null };
  } catch {
    return null;
  }
}
