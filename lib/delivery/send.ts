import { pauseAt } from '../common/test-hook.js';
import { withDelivery } from '../notify/http.js';
import type { Channel, Delivery, DeliveryMeta } from '../notify/types.js';
import { redactReport } from '../report/redact.js';
import type { Report } from '../report/types.js';
import type { ClaimedMarker } from './claim.js';
import { fence, keepHeld, removeClaim } from './held.js';
import type { DeliveryContext } from './context.js';
import { digestIdOf } from './delivery-id.js';
import { deliveredChannels, nextDeliveryState } from './record.js';
import { putBack, putBackWithState } from './release.js';
import { describeRetry } from './schedule.js';

/** The result of delivering one report (single or digest). */
export interface DeliveryOutcome {
  delivered: boolean;
  /** `channel: what went wrong`, redacted. */
  failures: string[];
  /** Where a marker whose report cannot be built was set aside (never retried). */
  setAside?: string;
}

// One channel, never throwing: a crash in a channel is a failed delivery like any other.
async function sendOne(channel: Channel, report: Report, meta: DeliveryMeta, ctx: DeliveryContext): Promise<Delivery> {
  try {
    return await withDelivery(meta, () => channel.send(channel.format(report, meta), meta));
  } catch (error) {
    return { ok: false, detail: ctx.redact(error instanceof Error ? error.message : String(error)), retryable: true };
  }
}

/**
 * Sends `report` to every channel these claimed markers have not reached yet. When all confirmed, the claimed
 * files are deleted; otherwise each is rewritten atomically with its delivery state and put back under its
 * marker name for a later pass (after the backoff), and stderr says what failed and when it retries.
 */
export async function deliverClaimed(
  items: ClaimedMarker[],
  report: Report,
  ctx: DeliveryContext,
  label: string,
): Promise<DeliveryOutcome> {
  const already = deliveredChannels(items[0].marker);
  const channels = (await ctx.channels()).filter((c) => !already.includes(c.name));
  const safe = redactReport(report, ctx.redact);
  // Fenced just before sending: a monitor that would take over must now watch the fresh name for a whole timeout.
  const held = await keepHeld(items, ctx, (item) => fence(item));
  if (held.length < items.length) {
    await keepHeld(held, ctx, (item) => putBack(item));
    return { delivered: false, failures: ['another monitor took the claim over'] };
  }
  pauseAt('send');
  const meta: DeliveryMeta = { deliveryId: digestIdOf(items.map((i) => i.marker)) };
  const results = await Promise.all(channels.map(async (c) => ({ channel: c, delivery: await sendOne(c, safe, meta, ctx) })));
  const retry = (items[0].marker.delivery?.attempts ?? 0) > 0;
  for (const r of results) ctx.events?.delivered(r.channel.name, r.delivery.ok, retry);
  const okNames = results.filter((r) => r.delivery.ok).map((r) => r.channel.name);
  const failed = results.filter((r) => !r.delivery.ok);
  const failures = failed.map((r) => ctx.redact(`${r.channel.name}: ${r.delivery.detail}`));
  if (failed.length === 0) {
    await keepHeld(items, ctx, (item) => removeClaim(item));
    ctx.logger.info(`delivered ${label} to ${channels.map((c) => c.name).join(', ') || 'every channel (already)'}`);
    return { delivered: true, failures: [] };
  }
  const state = nextDeliveryState(items[0].marker.delivery, okNames, failures, ctx.now(), ctx.config.monitor);
  await keepHeld(items, ctx, (item) => putBackWithState(item, state));
  const permanent = failed.some((r) => !r.delivery.retryable) ? ' (a retry will not help until the configuration is fixed)' : '';
  ctx.logger.warn(
    `could not deliver ${label}: ${failures.join('; ')}; kept for retry, ` +
      `${describeRetry(Date.parse(state.next_attempt_at ?? ''), ctx.now())} (attempt ${state.attempts})${permanent}` +
      (okNames.length ? `; already delivered to ${state.delivered.join(', ')}` : ''),
  );
  return { delivered: false, failures };
}
