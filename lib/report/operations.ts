import { summarizeAttempts } from '../common/attempts.js';
import type { AttemptRecord, Marker } from '../common/marker.js';
import type { Language } from '../config/types.js';
import { translate, type MessageKey } from './i18n.js';
import { formatTime } from './time.js';

type Pair = [label: string, value: string];

/** A run with more attempts than this lists the last ones and says how many earlier ones it left out. */
export const MAX_LISTED_ATTEMPTS = 8;

/**
 * What `--retries` came to, in the report's language: "succeeded on attempt 3 of 4", "failed 4 times",
 * "ended on attempt 2 of 4"; null for a run with a single attempt.
 */
export function attemptsOutcome(marker: Marker, language: Language): string | null {
  const outcome = summarizeAttempts(marker);
  if (outcome === null) return null;
  return translate(language, `attempts.${outcome.kind}` as MessageKey, { ...outcome });
}

/** One labelled line per attempt (start → end, exit code and signal), the last MAX_LISTED_ATTEMPTS of them. */
export function attemptPairs(marker: Marker, language: Language): Pair[] {
  if (summarizeAttempts(marker) === null) return [];
  const attempts = (marker.attempts ?? []).filter(isAttempt);
  const shown = attempts.slice(-MAX_LISTED_ATTEMPTS);
  const pairs: Pair[] = [];
  const hidden = attempts.length - shown.length;
  if (hidden > 0) pairs.push([translate(language, 'label.attempts_earlier'), translate(language, 'attempts.earlier', { n: hidden })]);
  for (const a of shown) pairs.push([translate(language, 'label.attempt_n', { n: a.attempt }), describeAttempt(a, language)]);
  return pairs;
}

/** `2026-12-02 16:27:38 UTC → 16:27:39, exit code 1 (SIGSEGV)`: the end without its date when the day is the same. */
export function describeAttempt(a: AttemptRecord, language: Language): string {
  const start = formatTime(a.started_at);
  const end = formatTime(a.ended_at);
  const sameDay = start.slice(0, 10) === end.slice(0, 10) && /^\d{4}-\d{2}-\d{2} /.test(end);
  const code = translate(language, a.signal ? 'attempts.exit_signal' : 'attempts.exit', { code: a.exit_code, signal: a.signal ?? '' });
  return translate(language, 'attempts.line', { start, end: sameDay ? end.slice(11) : end, code });
}

/**
 * The reason line of a run ended through `train-monitor stop`: "stopped by alice@login1 with train-monitor stop
 * (SIGTERM): loss diverged"; null when nobody stopped it that way.
 */
export function stopReason(marker: Marker, language: Language): string | null {
  if (!marker.stopped_by) return null;
  const line = translate(language, 'reason.stopped_by_user', { by: marker.stopped_by, signal: marker.signal ?? '?' });
  return marker.stop_reason ? `${line}${translate(language, 'punct.colon')}${marker.stop_reason}` : line;
}

/** Who stopped the run and why, as summary facts (nothing when no `train-monitor stop` ended it). */
export function stopPairs(marker: Marker, language: Language): Pair[] {
  if (!marker.stopped_by) return [];
  const pairs: Pair[] = [[translate(language, 'label.stopped_by'), marker.stopped_by]];
  if (marker.stop_reason) pairs.push([translate(language, 'label.stop_reason'), marker.stop_reason]);
  return pairs;
}

// A marker is read from disk: an entry of another shape is skipped, never trusted.
function isAttempt(value: unknown): value is AttemptRecord {
  const a = value as AttemptRecord;
  return typeof a === 'object' && a !== null && typeof a.attempt === 'number' && typeof a.started_at === 'string'
    && typeof a.ended_at === 'string' && typeof a.exit_code === 'number';
}
