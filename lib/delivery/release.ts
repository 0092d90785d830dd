import { randomBytes } from 'node:crypto';
import { rename } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomically } from '../common/atomic-write.js';
import { HpcRunError } from '../common/errors.js';
import type { DeliveryState } from '../common/marker.js';
import { moveNoClobber } from '../common/no-clobber.js';
import type { ClaimedMarker } from './claim.js';

/**
 * Puts a claimed marker back under its marker name for a later pass. If a new run wrote the same plain name
 * meanwhile, the old one goes back under a distinct name that still matches MARKER_NAME, so neither is lost.
 */
export async function putBack(claimPath: string, markerPath: string): Promise<string> {
  if (await moveNoClobber(claimPath, markerPath)) return markerPath;
  const name = basename(markerPath).replace(/\.json$/, `.retry-${randomBytes(4).toString('hex')}.json`);
  const alternative = join(dirname(markerPath), name);
  await rename(claimPath, alternative);
  return alternative;
}

/** Rewrites a claimed marker with its delivery state (atomically) and puts it back under its marker name. */
export async function putBackWithState(item: ClaimedMarker, state: DeliveryState): Promise<void> {
  await writeFileAtomically(item.claimPath, `${JSON.stringify({ ...item.marker, delivery: state }, null, 2)}\n`);
  await putBack(item.claimPath, item.markerPath);
}

/** Sets a marker that cannot be delivered aside as `<marker>.bad` (or `<marker>.<n>.bad`), never deleting it. */
export async function setAside(from: string, markerPath: string): Promise<string> {
  for (let n = 1; n < 1000; n += 1) {
    const target = n === 1 ? `${markerPath}.bad` : `${markerPath}.${n}.bad`;
    if (await moveNoClobber(from, target)) return target;
  }
  throw new HpcRunError('E_TOO_MANY_BAD', `too many ${markerPath}.*.bad files; remove the old ones`);
}
