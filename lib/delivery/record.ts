import type { DeliveryState, Marker } from '../common/marker.js';
import type { MonitorSettings } from '../config/types.js';
import { retryDelay } from './backoff.js';

/** Channels this marker has already reached (kept across passes, never sent again). */
export function deliveredChannels(marker: Marker): string[] {
  return Array.isArray(marker.delivery?.delivered) ? marker.delivery.delivered : [];
}

/** The delivery state after a partly failed attempt: who got it, how often we tried, when to try next. */
export function nextDeliveryState(
  prev: DeliveryState | undefined,
  okNames: string[],
  failures: string[],
  nowMs: number,
  settings: MonitorSettings,
): DeliveryState {
  const attempts = (prev?.attempts ?? 0) + 1;
  const delayS = retryDelay(attempts, settings.retry_base_s, settings.retry_max_s);
  return {
    delivered: [...new Set([...(prev?.delivered ?? []), ...okNames])],
    attempts,
    next_attempt_at: new Date(nowMs + delayS * 1000).toISOString(),
    last_error: failures.join('; '),
    retry_after_s: delayS,
  };
}
