import type { Logger } from '../common/logger.js';
import type { Config } from '../config/types.js';
import { claimMarker } from './claimed.js';
import { createMonitorContext, type MonitorContext } from './context.js';
import { deliverClaimed, type ClaimedMarker, type DeliveryOutcome } from './delivery.js';

/** A short name for a run in messages: its run id, else the marker path. */
export function describeClaimed(item: ClaimedMarker): string {
  return item.marker.run_id ? `run ${item.marker.run_id} (${item.markerPath})` : item.markerPath;
}

/** Builds the report of one claimed marker and delivers it (delete on success, release with state otherwise). */
export async function deliverSingle(item: ClaimedMarker, ctx: MonitorContext): Promise<DeliveryOutcome> {
  let report;
  try {
    const { buildReport } = await import('../report/build.js');
    report = await buildReport(item.marker, { workDir: item.workDir, report: ctx.config.report, logger: ctx.logger });
  } catch (error) {
    const failure = ctx.redact(`report: ${error instanceof Error ? error.message : String(error)}`);
    const { nextDeliveryState, releaseWithState } = await import('./delivery.js');
    const state = nextDeliveryState(item.marker.delivery, [], [failure], ctx.now(), ctx.config.monitor);
    await releaseWithState(item, state);
    ctx.logger.error(`could not build the report of ${describeClaimed(item)}: ${failure}; kept for retry at ${state.next_attempt_at}`);
    return { delivered: false, failures: [failure] };
  }
  return deliverClaimed([item], report, ctx, describeClaimed(item));
}

/**
 * Delivers one marker file now (the wrapper's `--notify`, lab-server mode): claims it, sends to every channel
 * not yet reached, deletes it when all confirmed, else puts it back with its delivery state for a monitor.
 */
export async function deliverMarkerFile(options: {
  markerPath: string;
  workDir: string;
  config: Config;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
}): Promise<{ delivered: boolean; failures: string[] }> {
  const { createRedactor } = await import('../config/redact.js');
  const redact = createRedactor(options.config.secrets);
  const ctx = createMonitorContext({ config: options.config, logger: options.logger, env: options.env ?? process.env, dryRun: false, redact });
  const claim = await claimMarker(options.markerPath, options.workDir, ctx);
  if (claim.kind === 'lost-race') return { delivered: false, failures: ['the marker was taken by a monitor'] };
  if (claim.kind === 'foreign') return { delivered: false, failures: ['the marker belongs to another user'] };
  if (claim.kind === 'bad') return { delivered: false, failures: [`corrupt marker moved to ${claim.badPath}`] };
  return deliverSingle(claim.item, ctx);
}
