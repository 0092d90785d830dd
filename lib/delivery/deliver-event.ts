import { withDelivery } from '../notify/http.js';
import type { Delivery, DeliveryMeta } from '../notify/types.js';
import { redactReport } from '../report/redact.js';
import type { Report } from '../report/types.js';
import type { Logger } from '../common/logger.js';
import type { Marker } from '../common/marker.js';
import type { Config } from '../config/types.js';
import { createDeliveryContext, type DeliveryContext } from './context.js';
import { deliveryIdOf } from './delivery-id.js';
import type { DeliveryOutcome } from './send.js';
import { recordAttemptDelivery } from '../ops/history.js';

/**
 * Sends one report that has no marker file behind it (the wrapper's `attempt_failed`) to every configured
 * channel, once, with the same formatting, redaction and delivery id header as end reports. Nothing is claimed,
 * kept or retried: a channel that fails or has not answered within `timeoutMs` is only named in `failures`.
 * Never throws.
 */
export async function deliverEvent(report: Report, ctx: DeliveryContext, meta: DeliveryMeta, timeoutMs: number): Promise<DeliveryOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), timeoutMs);
    timer.unref();
  });
  try {
    const channels = await ctx.channels();
    const safe = redactReport(report, ctx.redact);
    const results = await Promise.all(channels.map(async (channel) => {
      const sent = withDelivery(meta, () => channel.send(channel.format(safe, meta), meta)).catch((error: unknown): Delivery => ({
        ok: false, detail: error instanceof Error ? error.message : String(error), retryable: true,
      }));
      const delivery = await Promise.race([sent, late]);
      return delivery === 'late'
        ? `${channel.name}: no answer within ${timeoutMs / 1000} s`
        : delivery.ok
          ? null
          : `${channel.name}: ${delivery.detail}`;
    }));
    const failures = results.filter((r): r is string => r !== null).map((r) => ctx.redact(r));
    return { delivered: failures.length === 0, failures };
  } catch (error) {
    return { delivered: false, failures: [ctx.redact(error instanceof Error ? error.message : String(error))] };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The wrapper's entry for a report of one failed attempt (loaded on demand): a delivery context of its own, the
 * run's delivery id with `-attempt-N`, then deliverEvent; a delivered report goes into the history too.
 */
export async function deliverAttemptNow(report: Report, input: {
  marker: Marker;
  attempt: number;
  config: Config;
  logger: Logger;
  env: NodeJS.ProcessEnv;
  redact: (text: string) => string;
  timeoutMs: number;
}): Promise<DeliveryOutcome> {
  const ctx = createDeliveryContext({ config: input.config, logger: input.logger, env: input.env, redact: input.redact });
  const meta = { deliveryId: `${deliveryIdOf(input.marker)}-attempt-${input.attempt}` };
  const outcome = await deliverEvent(report, ctx, meta, input.timeoutMs);
  if (outcome.delivered) await recordAttemptDelivery(input.marker, report, ctx);
  return outcome;
}
