import { rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { HpcRunError, errnoCode } from '../common/errors.js';
import { makeClaimName, noteHeld } from './claim-name.js';
import type { ClaimedMarker } from './claim.js';
import type { DeliveryContext } from './context.js';

/** This process no longer holds a claim: another monitor took it over (it was stalled past `claim_timeout`). */
export class ClaimLostError extends HpcRunError {
  readonly markerPath: string;

  constructor(markerPath: string, cause?: unknown) {
    super('E_CLAIM_LOST', `${markerPath}: another monitor took this marker over meanwhile; it carries on from here`, { cause });
    this.markerPath = markerPath;
  }
}

/**
 * Proves this process still holds the claim, atomically: renames it to a fresh private name. ENOENT means another
 * monitor took it over (a rename of its own), and then ClaimLostError: this process does nothing more with it.
 * A fresh name also restarts every other monitor's `claim_timeout` watch, so a takeover needs a whole new timeout.
 */
export async function fence(item: ClaimedMarker): Promise<void> {
  const next = join(dirname(item.claimPath), makeClaimName(basename(item.markerPath)));
  noteHeld(next, true);
  try {
    await rename(item.claimPath, next);
  } catch (error) {
    noteHeld(next, false);
    noteHeld(item.claimPath, false);
    if (errnoCode(error) === 'ENOENT') throw new ClaimLostError(item.markerPath, error);
    throw error;
  }
  noteHeld(item.claimPath, false);
  item.claimPath = next;
}

/** Deletes a delivered claim; ClaimLostError when another monitor took it over during the send. */
export async function removeClaim(item: ClaimedMarker): Promise<void> {
  try {
    await unlink(item.claimPath);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') throw new ClaimLostError(item.markerPath, error);
    throw error;
  } finally {
    noteHeld(item.claimPath, false);
  }
}

/**
 * Runs one step on each claimed marker; a claim another monitor took over meanwhile is said once and left to it.
 * Returns the items still held.
 */
export async function keepHeld(
  items: ClaimedMarker[],
  ctx: DeliveryContext,
  step: (item: ClaimedMarker) => Promise<unknown>,
): Promise<ClaimedMarker[]> {
  const held: ClaimedMarker[] = [];
  for (const item of items) {
    try {
      await step(item);
      held.push(item);
    } catch (error) {
      if (!(error instanceof ClaimLostError)) {
        noteHeld(item.claimPath, false); // stranded: a later pass of this monitor takes it over again
        throw error;
      }
      ctx.logger.warn(`${item.markerPath}: another monitor took this marker over while this one was stalled; leaving it to that monitor`);
    }
  }
  return held;
}
