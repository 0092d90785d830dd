import { basename } from 'node:path';
import type { Marker } from '../common/marker.js';
import type { OutsideLog } from '../report/log-path.js';
import { failAt } from '../common/test-hook.js';
import { claimMarker, type ClaimedMarker, type ClaimResult } from './claim.js';
import { keepHeld } from './held.js';
import type { DeliveryContext } from './context.js';
import { setAside } from './release.js';
import { noteSetAside } from './set-aside-state.js';
import { deliverClaimed, type DeliveryOutcome } from './send.js';

/** A short name for a run in messages: its run id, else the marker path. */
export function describeClaimed(item: ClaimedMarker): string {
  return item.marker.run_id ? `run ${item.marker.run_id} (${item.markerPath})` : item.markerPath;
}

/** The reader of a run's log outside its work dir, where the context can find one (the run's spool entry). */
export function outsideLogFor(markerPath: string, marker: Marker, ctx: DeliveryContext): OutsideLog | undefined {
  const lookup = ctx.outsideLogOf;
  return lookup ? () => lookup(markerPath, marker) : undefined;
}

/** Builds the report of one claimed marker and delivers it (delete on success, put back with state otherwise). */
export async function deliverSingle(item: ClaimedMarker, ctx: DeliveryContext): Promise<DeliveryOutcome> {
  let report;
  try {
    failAt('build-report');
    const { buildReport } = await import('../report/build.js');
    const outsideLog = outsideLogFor(item.markerPath, item.marker, ctx);
    report = await buildReport(item.marker, { workDir: item.workDir, report: ctx.config.report, logger: ctx.logger, outsideLog });
  } catch (error) {
    // A marker that makes report building throw would fail the same way forever: set it aside, say so once.
    const reason = ctx.redact(error instanceof Error ? error.message : String(error));
    let badPath: string | undefined;
    await keepHeld([item], ctx, async (held) => {
      badPath = await setAside(held);
    });
    if (badPath) {
      ctx.logger.error(
        `cannot build the report of ${describeClaimed(item)} (${reason}); moved to ${basename(badPath)}; it is kept, not delivered`,
      );
      // One warning report through the channels, from the monitor's next pass (retried until every channel took it).
      const entry = { markerPath: item.markerPath, badPath, reason, workDir: item.workDir, at: Date.now(), kind: 'report' as const,
        runId: item.marker.run_id, status: item.marker.status };
      await noteSetAside(entry, ctx.env).catch((error: unknown) => {
        ctx.logger.warn(`cannot record ${basename(badPath!)} for its warning report (${(error as Error).message})`);
      });
    }
    return { delivered: false, failures: [`report: ${reason}`], ...(badPath ? { setAside: badPath } : {}) };
  }
  return deliverClaimed([item], report, ctx, describeClaimed(item));
}

/**
 * Delivers one marker file now (the wrapper's `--notify`, lab-server mode): claims it, sends to every channel
 * not yet reached, deletes it when all confirmed, else puts it back with its delivery state for a monitor.
 * `onDelivered` gets the marker once it was delivered (the history line).
 */
export async function deliverMarkerFile(
  markerPath: string,
  workDir: string,
  ctx: DeliveryContext,
  onDelivered?: (marker: Marker) => Promise<void>,
): Promise<DeliveryOutcome> {
  const claim = await claimMarker(markerPath, workDir, ctx);
  if (claim.kind !== 'claimed') return refusal(claim);
  const outcome = await deliverSingle(claim.item, ctx);
  if (outcome.delivered && onDelivered) await onDelivered(claim.item.marker);
  return outcome;
}

// The outcome for a marker that could not be claimed: taken by a monitor, another user's, or corrupt.
function refusal(claim: Exclude<ClaimResult, { kind: 'claimed' }>): DeliveryOutcome {
  if (claim.kind === 'lost-race') return { delivered: false, failures: ['the marker was taken by a monitor'] };
  if (claim.kind === 'foreign') return { delivered: false, failures: ['the marker belongs to another user'] };
  return { delivered: false, failures: [`corrupt marker moved to ${claim.badPath}`] };
}
