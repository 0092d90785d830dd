import { randomBytes } from 'node:crypto';
import { rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { HpcRunError, errnoCode } from '../common/errors.js';
import type { DeliveryState } from '../common/marker.js';
import { pathExists } from '../common/no-clobber.js';
import { pauseAt } from '../common/test-hook.js';
import type { ClaimedMarker } from './claim.js';
import { ClaimLostError, fence } from './held.js';
import { noteHeld } from './claim-name.js';

/**
 * Puts a claimed marker back under its marker name for a later pass, by one rename from a freshly fenced claim:
 * exactly one name at every instant (a link + unlink would leave two names to a crash between them). If a new run
 * wrote the same plain name meanwhile, the old one goes back under a distinct name that still matches MARKER_NAME.
 */
export async function putBack(item: ClaimedMarker): Promise<string> {
  await fence(item);
  pauseAt('put-back');
  const target = (await pathExists(item.markerPath)) ? retryName(item.markerPath) : item.markerPath;
  await renameHeld(item, target);
  return target;
}

/** A temp this old was left by a process killed mid-write (the write and the rename take milliseconds). */
export const STATE_TEMP_STALE_MS = 60 * 60 * 1000;

/**
 * Removes the temps of putBackWithState that a killed process left behind, once older than STATE_TEMP_STALE_MS:
 * nobody reads them (the marker itself is intact under its own name). Returns how many were removed.
 */
export async function removeStaleStateTemps(paths: string[], nowMs: number): Promise<number> {
  let removed = 0;
  for (const path of paths) {
    try {
      if (nowMs - (await stat(path)).mtimeMs < STATE_TEMP_STALE_MS) continue;
      await unlink(path);
      removed += 1;
    } catch {
      // gone already, or not ours to remove: left alone
    }
  }
  return removed;
}

/**
 * Rewrites a claimed marker with its delivery state and puts it back. The new text is written to a private temp
 * first; then the claim is fenced and the temp renamed over the fresh claim name, so a monitor that lost the claim
 * writes nothing anyone reads.
 */
export async function putBackWithState(item: ClaimedMarker, state: DeliveryState): Promise<string> {
  const temp = join(dirname(item.claimPath), `${basename(item.markerPath)}.state-${process.pid}-${randomBytes(4).toString('hex')}`);
  // (A process killed between the write and the rename leaves the temp: a later pass removes it, STATE_TEMP_NAME.)
  try {
    await writeFile(temp, `${JSON.stringify({ ...item.marker, delivery: state }, null, 2)}\n`, { flag: 'wx' });
    await fence(item);
    pauseAt('write-state');
    await rename(temp, item.claimPath);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  item.marker = { ...item.marker, delivery: state };
  return putBack(item);
}

/** Sets a marker that cannot be delivered aside as `<marker>.bad` (or `<marker>.<n>.bad`), never deleting it. */
export async function setAside(item: ClaimedMarker): Promise<string> {
  await fence(item);
  pauseAt('set-aside');
  for (let n = 1; n < 1000; n += 1) {
    const target = n === 1 ? `${item.markerPath}.bad` : `${item.markerPath}.${n}.bad`;
    if (await pathExists(target)) continue;
    await renameHeld(item, target);
    return target;
  }
  throw new HpcRunError('E_TOO_MANY_BAD', `too many ${item.markerPath}.*.bad files; remove the old ones`);
}

// The claim leaves this process's hands by one rename; ENOENT means it had been taken over.
async function renameHeld(item: ClaimedMarker, target: string): Promise<void> {
  try {
    await rename(item.claimPath, target);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') throw new ClaimLostError(item.markerPath, error);
    throw error;
  } finally {
    noteHeld(item.claimPath, false);
  }
}

function retryName(markerPath: string): string {
  return join(dirname(markerPath), basename(markerPath).replace(/\.json$/, `.retry-${randomBytes(4).toString('hex')}.json`));
}
