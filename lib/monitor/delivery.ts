import { unlink } from 'node:fs/promises';
import { errnoCode } from '../common/errors.js';
import type { DeliveryState, Marker } from '../common/marker.js';
import type { MonitorSettings } from '../config/types.js';
import { retryDelay } from '../notify/backoff.js';
import type { Channel, Delivery } from '../notify/types.js';
import { redactReport } from '../report/redact.js';
import type { Report } from '../report/types.js';
import type { MonitorContext } from './context.js';
import { releaseClaimTo } from './move.js';
import { writeFileAtomically } from '../common/atomic-write.js';

/** A marker this monitor holds under its private claim name. */
export interface ClaimedMarker {
  /** The marker's own name, where it goes back when delivery has to be retried. */
  markerPath: string;
  claimPath: string;
  marker: Marker;
  /** The directory the log path must stay inside. */
  workDir: string;
}

/** The result of delivering one report (single or digest). */
export interface DeliveryOutcome {
  delivered: boolean;
  /** `channel: what went wrong`, redacted. */
  failures: string[];
}

/** Channels this marker has already reached (kept across passes, never sent again). */
export function deliveredChannels(marker: Marker): string[] {
  return Array.isArray(marker.delivery?.delivered) ? marker.delivery.delivered : [];
}

// One channel, never throwing: a crash in a channel is a failed delivery like any other.
async function sendOne(channel: Channel, report: Report, ctx: MonitorContext): Promise<Delivery> {
  try {
    return await channel.send(channel.format(report));
  } catch (error) {
    return { ok: false, detail: ctx.redact(error instanceof Error ? error.message : String(error)), retryable: true };
  }
}

/** The delivery state after a partly failed attempt: who got it, how often we tried, when to try next. */
export function nextDeliveryState(prev: DeliveryState | undefined, okNames: string[], failures: string[], nowMs: number, settings: MonitorSettings): DeliveryState {
  const attempts = (prev?.attempts ?? 0) + 1;
  const delayS = retryDelay(attempts, settings.retry_base_s, settings.retry_max_s);
  return {
    delivered: [...new Set([...(prev?.delivered ?? []), ...okNames])],
    attempts,
    next_attempt_at: new Date(nowMs + delayS * 1000).toISOString(),
    last_error: failures.join('; '),
  };
}

/**
 * Sends `report` to every channel these claimed markers have not reached yet. When all confirmed, the claimed
 * files are deleted; otherwise each is rewritten atomically with its delivery state and put back under its
 * marker name for a later pass (after the backoff), and stderr says what failed and when it retries.
 */
export async function deliverClaimed(items: ClaimedMarker[], report: Report, ctx: MonitorContext, label: string): Promise<DeliveryOutcome> {
  const already = deliveredChannels(items[0].marker);
  const channels = (await ctx.channels()).filter((c) => !already.includes(c.name));
  const safe = redactReport(report, ctx.redact);
  const results = await Promise.all(channels.map(async (c) => ({ channel: c, delivery: await sendOne(c, safe, ctx) })));
  const okNames = results.filter((r) => r.delivery.ok).map((r) => r.channel.name);
  const failed = results.filter((r) => !r.delivery.ok);
  const failures = failed.map((r) => ctx.redact(`${r.channel.name}: ${r.delivery.detail}`));
  if (failed.length === 0) {
    for (const item of items) await unlinkIfPresent(item.claimPath);
    ctx.logger.info(`delivered ${label} to ${channels.map((c) => c.name).join(', ') || 'every channel (already)'}`);
    return { delivered: true, failures: [] };
  }
  const state = nextDeliveryState(items[0].marker.delivery, okNames, failures, ctx.now(), ctx.config.monitor);
  for (const item of items) await releaseWithState(item, state);
  const permanent = failed.some((r) => !r.delivery.retryable) ? ' (a retry will not help until the configuration is fixed)' : '';
  ctx.logger.warn(
    `could not deliver ${label}: ${failures.join('; ')}; kept for retry at ${state.next_attempt_at} (attempt ${state.attempts})${permanent}` +
      (okNames.length ? `; already delivered to ${state.delivered.join(', ')}` : ''),
  );
  return { delivered: false, failures };
}

/** Rewrites a claimed marker with its delivery state (atomically) and releases it under its marker name. */
export async function releaseWithState(item: ClaimedMarker, state: DeliveryState): Promise<void> {
  await writeFileAtomically(item.claimPath, `${JSON.stringify({ ...item.marker, delivery: state }, null, 2)}\n`);
  await releaseClaimTo(item.claimPath, item.markerPath);
}

async function unlinkIfPresent(path: string): Promise<void> {
  await unlink(path).catch((error: unknown) => {
    if (errnoCode(error) !== 'ENOENT') throw error;
  });
}
