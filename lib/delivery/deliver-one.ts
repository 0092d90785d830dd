import { claimMarker, type ClaimedMarker } from './claim.js';
import type { DeliveryContext } from './context.js';
import { nextDeliveryState } from './record.js';
import { putBackWithState } from './release.js';
import { deliverClaimed, keepHeld, type DeliveryOutcome } from './send.js';

/** A short name for a run in messages: its run id, else the marker path. */
export function describeClaimed(item: ClaimedMarker): string {
  return item.marker.run_id ? `run ${item.marker.run_id} (${item.markerPath})` : item.markerPath;
}

/** Builds the report of one claimed marker and delivers it (delete on success, put back with state otherwise). */
export async function deliverSingle(item: ClaimedMarker, ctx: DeliveryContext): Promise<DeliveryOutcome> {
  let report;
  try {
    const { buildReport } = await import('../report/build.js');
    const outsideLog = ctx.outsideLogOf ? () => ctx.outsideLogOf!(item.markerPath, item.marker) : undefined;
    report = await buildReport(item.marker, { workDir: item.workDir, report: ctx.config.report, logger: ctx.logger, outsideLog });
  } catch (error) {
    const failure = ctx.redact(`report: ${error instanceof Error ? error.message : String(error)}`);
    const state = nextDeliveryState(item.marker.delivery, [], [failure], ctx.now(), ctx.config.monitor);
    await keepHeld([item], ctx, (held) => putBackWithState(held, state));
    ctx.logger.error(`could not build the report of ${describeClaimed(item)}: ${failure}; kept for retry at ${state.next_attempt_at}`);
    return { delivered: false, failures: [failure] };
  }
  return deliverClaimed([item], report, ctx, describeClaimed(item));
}

/**
 * Delivers one marker file now (the wrapper's `--notify`, lab-server mode): claims it, sends to every channel
 * not yet reached, deletes it when all confirmed, else puts it back with its delivery state for a monitor.
 */
export async function deliverMarkerFile(markerPath: string, workDir: string, ctx: DeliveryContext): Promise<DeliveryOutcome> {
  const claim = await claimMarker(markerPath, workDir, ctx);
  if (claim.kind === 'lost-race') return { delivered: false, failures: ['the marker was taken by a monitor'] };
  if (claim.kind === 'foreign') return { delivered: false, failures: ['the marker belongs to another user'] };
  if (claim.kind === 'bad') return { delivered: false, failures: [`corrupt marker moved to ${claim.badPath}`] };
  return deliverSingle(claim.item, ctx);
}
