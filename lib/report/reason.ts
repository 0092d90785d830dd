import type { Marker } from '../common/marker.js';
import type { Language } from '../config/types.js';
import type { ErrorKind, ErrorRegion } from './excerpt.js';
import { translate, type MessageKey } from './i18n.js';
import { shortenLine } from './clean.js';
import { stopReason } from './operations.js';

/** The longest reason line; a longer exception line keeps its head and tail. */
export const MAX_REASON_CHARS = 200;

const STOP_SIGNALS = new Set(['SIGTERM', 'SIGINT', 'SIGHUP']);
const OUTSIDE_KINDS: ReadonlySet<ErrorKind> = new Set(['cancelled', 'time_limit', 'oom_killed']);
const STATE_WORDS = new Set(['NODE_FAIL', 'TIMEOUT', 'OUT_OF_MEMORY', 'CANCELLED', 'PREEMPTED', 'BOOT_FAIL', 'FAILED']);

/**
 * One line saying why a run did not succeed, shown right under the title: for a lost run the scheduler's state;
 * for a timeout the time limit; for a run terminated by a signal that signal (unless the log names Slurm's
 * cancellation, time limit or the OOM killer); else what the log shows (the exception line, CUDA out of memory, a
 * segfault …); else the signal; else the exit code. Null for a success, or when nothing is known.
 */
export function buildReason(marker: Marker, region: ErrorRegion | null, language: Language): string | null {
  const t = (key: MessageKey, params?: Record<string, string | number>) => translate(language, key, params);
  if (marker.status === 'success') return null;
  if (marker.status === 'lost' && marker.scheduler_state) return stateReason(marker.scheduler_state, language);
  if (marker.status === 'timeout' && region?.kind !== 'time_limit') return t('reason.timeout');
  // A run ended through `train-monitor stop`: who stopped it and why says more than anything in the log.
  const stopped = marker.status === 'terminated' ? stopReason(marker, language) : null;
  if (stopped) return shortenLine(stopped, MAX_REASON_CHARS);
  const signal = marker.signal
    ? t(STOP_SIGNALS.has(marker.signal) ? 'reason.stopped_by' : 'reason.killed_by', { signal: marker.signal })
    : null;
  // A run stopped from outside: the signal says more than an error line the log happened to print before it,
  // unless the log names who stopped it (Slurm's cancellation or time limit, the OOM killer).
  if (marker.status === 'terminated' && signal && !(region && OUTSIDE_KINDS.has(region.kind))) return signal;
  if (region) return regionReason(region, language);
  if (signal) return signal;
  if (marker.status === 'lost') return t('reason.lost');
  if (marker.exit_code === null) return null;
  const code = marker.exit_code;
  return t(code === 127 ? 'reason.not_found' : code === 126 ? 'reason.not_executable' : 'reason.exit_code', { code });
}

/** `node failure (NODE_FAIL)`, or `Slurm state (X)` for a state without words of its own. */
export function stateReason(state: string, language: Language): string {
  const word = state.trim().split(/\s+/)[0].toUpperCase();
  const key = (STATE_WORDS.has(word) ? `state.${word}` : 'state.other') as MessageKey;
  return translate(language, 'reason.state', { words: translate(language, key), state: state.trim() });
}

// What the first recognised error in the log says, in one line.
function regionReason(region: ErrorRegion, language: Language): string {
  const t = (key: MessageKey) => translate(language, key);
  switch (region.kind) {
    case 'time_limit':
      return t('reason.time_limit');
    case 'cancelled':
      return t('reason.cancelled');
    case 'oom_killed':
      return /oom/i.test(region.headline) ? t('reason.oom_killer') : t('reason.killed');
    case 'segfault':
      return t('reason.segfault');
    case 'bus_error':
      return t('reason.bus_error');
    default:
      // A quote from the log (the exception line), in the log's own words.
      return shortenLine(region.headline, MAX_REASON_CHARS);
  }
}
