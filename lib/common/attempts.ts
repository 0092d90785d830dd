import type { AttemptRecord } from './marker.js';

/** What a run with `--retries` came to, for a report to word in its own language; null for a single attempt. */
export type AttemptOutcome =
  | { kind: 'succeeded_on'; attempt: number; of: number }
  | { kind: 'failed_times'; times: number }
  | { kind: 'ended_on'; attempt: number; of: number };

/**
 * Reads a marker's `attempts` (and `max_attempts`, else the count of attempts): the last attempt succeeded
 * after earlier failures, every attempt failed, or the run ended otherwise (stopped, timeout) on a later attempt.
 * Null when there was only one attempt, so reports of ordinary runs say nothing extra.
 */
export function summarizeAttempts(marker: { status: string; attempts?: AttemptRecord[]; max_attempts?: number }): AttemptOutcome | null {
  const attempts = Array.isArray(marker.attempts) ? marker.attempts : [];
  if (attempts.length < 2) return null;
  const last = attempts[attempts.length - 1].attempt;
  const of = Math.max(typeof marker.max_attempts === 'number' ? marker.max_attempts : 0, last);
  if (marker.status === 'success') return { kind: 'succeeded_on', attempt: last, of };
  if (marker.status === 'failed') return { kind: 'failed_times', times: attempts.length };
  return { kind: 'ended_on', attempt: last, of };
}

/** The English phrase: "succeeded on attempt 3 of 4", "failed 4 times", "ended on attempt 2 of 4"; null for one attempt. */
export function describeAttempts(marker: { status: string; attempts?: AttemptRecord[]; max_attempts?: number }): string | null {
  const outcome = summarizeAttempts(marker);
  if (outcome === null) return null;
  if (outcome.kind === 'succeeded_on') return `succeeded on attempt ${outcome.attempt} of ${outcome.of}`;
  if (outcome.kind === 'failed_times') return `failed ${outcome.times} times`;
  return `ended on attempt ${outcome.attempt} of ${outcome.of}`;
}
