import dayjs from 'dayjs';
import { formatDuration } from '../common/duration.js';
import type { DeliveryState } from '../common/marker.js';
import type { MonitorSettings } from '../config/types.js';
import { claimMarker } from './claim.js';
import { keepHeld } from './held.js';
import type { DeliveryContext } from './context.js';
import { putBackWithState } from './release.js';

/** When a marker may be tried again, by this process's clock. */
export interface RetryTime {
  /** Milliseconds since the epoch; 0 when it is due now. */
  atMs: number;
  /** True when the stored time lay further ahead than the backoff allows (written by a clock running ahead). */
  clamped: boolean;
}

/**
 * The next try of a marker: its stored time, but never later than its backoff duration (at most `retry_max`) from
 * now. A time from a clock far ahead would otherwise hold a marker back for as long as that clock was wrong.
 */
export function retryTime(state: DeliveryState | undefined, nowMs: number, settings: MonitorSettings): RetryTime {
  const stored = Date.parse(state?.next_attempt_at ?? '');
  if (!Number.isFinite(stored) || stored <= nowMs) return { atMs: 0, clamped: false };
  const limitS = Math.min(state?.retry_after_s ?? settings.retry_max_s, settings.retry_max_s);
  const limit = nowMs + limitS * 1000;
  return stored > limit ? { atMs: limit, clamped: true } : { atMs: stored, clamped: false };
}

/** `in 30 s, at 14:09:27`: relative and in local time (with the date when it is not today). */
export function describeWhen(atMs: number, nowMs: number): string {
  const seconds = Math.max(0, Math.round((atMs - nowMs) / 1000));
  const at = dayjs(atMs);
  const when = at.format(at.isSame(dayjs(nowMs), 'day') ? 'HH:mm:ss' : 'YYYY-MM-DD HH:mm:ss');
  return `in ${seconds < 60 ? `${seconds} s` : formatDuration(seconds)}, at ${when}`;
}

/** `next try in 30 s, at 14:09:27`. */
export function describeRetry(atMs: number, nowMs: number): string {
  return `next try ${describeWhen(atMs, nowMs)}`;
}

/** Stores a clamped retry time in the marker (claimed, rewritten and put back), so every monitor sees it. */
export async function reschedule(markerPath: string, workDir: string | null, atMs: number, ctx: DeliveryContext): Promise<boolean> {
  const claim = await claimMarker(markerPath, workDir, ctx);
  if (claim.kind !== 'claimed') return false;
  const prev = claim.item.marker.delivery;
  const state: DeliveryState = {
    delivered: prev?.delivered ?? [],
    attempts: prev?.attempts ?? 0,
    last_error: prev?.last_error ?? null,
    next_attempt_at: new Date(atMs).toISOString(),
    retry_after_s: Math.round((atMs - ctx.now()) / 1000),
  };
  const held = await keepHeld([claim.item], ctx, (item) => putBackWithState(item, state));
  return held.length === 1;
}
