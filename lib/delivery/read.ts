import { lstat, readFile } from 'node:fs/promises';
import { errnoCode } from '../common/errors.js';
import { parseMarker, type Marker } from '../common/marker.js';
import { MAX_MARKER_BYTES } from '../common/marker-schema.js';

/** What reading a marker (or a claimed one) found. */
export type MarkerRead =
  | { kind: 'ok'; marker: Marker }
  | { kind: 'gone' }
  | { kind: 'foreign'; uid: number }
  | { kind: 'corrupt'; reason: string; final?: boolean };

/**
 * Reads and parses a marker file. Markers owned by another user (uid ≠ `uid`) and anything that is not a plain
 * file (a symlink planted in a shared dir) are never parsed.
 */
export async function readMarkerFile(path: string, uid: number | null): Promise<MarkerRead> {
  try {
    const info = await lstat(path);
    if (uid !== null && info.uid !== uid) return { kind: 'foreign', uid: info.uid };
    // `final`: no writer will ever make these readable, so no grace period is waited out for them.
    if (!info.isFile()) return { kind: 'corrupt', reason: 'not a regular file', final: true };
    if (info.size > MAX_MARKER_BYTES) {
      return { kind: 'corrupt', reason: `larger than ${MAX_MARKER_BYTES / 1024 / 1024} MB (${info.size} bytes)`, final: true };
    }
    return { kind: 'ok', marker: parseMarker(await readFile(path, 'utf8'), path) };
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return { kind: 'gone' };
    if (errnoCode(error) === 'E_CORRUPT') return { kind: 'corrupt', reason: (error as Error).message };
    return { kind: 'corrupt', reason: `unreadable (${errnoCode(error) ?? String(error)})` };
  }
}
