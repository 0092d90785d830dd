import { lstat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Marker } from '../common/marker.js';
import { claimByRename, makeClaimName, noteHeld } from './claim-name.js';
import type { DeliveryContext } from './context.js';
import { readMarkerFile } from './read.js';
import { putBack, setAside } from './release.js';

/**
 * A marker this process holds under its private claim name. `claimPath` changes at every fence: only this
 * module renames it.
 */
export interface ClaimedMarker {
  /** The marker's own name, where it goes back when delivery has to be retried. */
  markerPath: string;
  claimPath: string;
  marker: Marker;
  /** The directory the log path must stay inside. */
  workDir: string;
}

/** What claiming a marker led to. */
export type ClaimResult =
  | { kind: 'claimed'; item: ClaimedMarker }
  | { kind: 'lost-race' }
  | { kind: 'foreign' }
  | { kind: 'bad'; badPath: string; reason: string };

/**
 * Claims a marker by renaming it to this process's private name (one winner among racing monitors), then reads
 * the claimed file. A corrupt one is set aside as `*.bad` and said once on stderr; nothing is ever deleted unread.
 * `workDir` null means "the work dir the marker names" (markers the wrapper left in the spool).
 */
export async function claimMarker(markerPath: string, workDir: string | null, ctx: DeliveryContext): Promise<ClaimResult> {
  const claimPath = join(dirname(markerPath), makeClaimName(basename(markerPath)));
  if (!(await claimByRename(markerPath, claimPath))) return { kind: 'lost-race' };
  return readClaimed(claimPath, markerPath, workDir, ctx);
}

/**
 * Reads a file this process holds under its claim name; corrupt content is set aside as `*.bad`. A claim that
 * shares its file with the marker name (an older version's put-back cut between link and unlink) is dropped:
 * the marker lives on under its own name and is delivered from there.
 */
export async function readClaimed(
  claimPath: string,
  markerPath: string,
  workDir: string | null,
  ctx: DeliveryContext,
): Promise<ClaimResult> {
  if (await sameFile(claimPath, markerPath)) {
    await unlink(claimPath).catch(() => undefined);
    noteHeld(claimPath, false);
    return { kind: 'lost-race' };
  }
  const read = await readMarkerFile(claimPath, ctx.uid);
  if (read.kind === 'ok') {
    const dir = workDir ?? (read.marker.work_dir || dirname(markerPath));
    return { kind: 'claimed', item: { markerPath, claimPath, marker: read.marker, workDir: dir } };
  }
  if (read.kind === 'gone') return { kind: 'lost-race' };
  const item = { markerPath, claimPath, marker: {} as Marker, workDir: workDir ?? dirname(markerPath) };
  if (read.kind === 'foreign') {
    // Never ours to judge: put it back where it was.
    await putBack(item);
    return { kind: 'foreign' };
  }
  const reason = read.reason.replace(`${claimPath}: `, '');
  const badPath = await setAside(item);
  ctx.logger.error(`corrupt marker ${markerPath} (${reason}) moved to ${basename(badPath)}; it is kept, not delivered`);
  return { kind: 'bad', badPath, reason };
}

// True when both names are links to one file.
async function sameFile(a: string, b: string): Promise<boolean> {
  try {
    const [x, y] = await Promise.all([lstat(a), lstat(b)]);
    return x.ino === y.ino && x.dev === y.dev;
  } catch {
    return false;
  }
}

