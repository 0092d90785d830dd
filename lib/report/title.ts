import { basename } from 'node:path';
import type { Marker } from '../common/marker.js';
import type { Language } from '../config/types.js';
import { formatDurationIn, statusLabel, translate } from './i18n.js';
import { countChars, truncateToLimit } from './limits.js';

export const TITLE_SEPARATOR = ' · ';
/** A cut run name keeps at least this many characters (with `…`); with less room the title is the status alone. */
const MIN_NAME_CHARS = 4;

/**
 * What a title calls the run: the Slurm job name, else the run id, else the work dir's name (the marker's, else
 * the one the monitor found it in). Never the command: a title is too short to spend on `python -c "…`.
 */
export function runName(marker: Marker, workDir?: string): string {
  const dir = marker.work_dir || workDir || '';
  return marker.slurm?.job_name || marker.run_id || (dir ? basename(dir.replace(/\/+$/, '')) : '') || '';
}

/**
 * The title's parts, most important first: status, run name, then the run id (when the name is not already it),
 * host and duration. A short title keeps the first ones (see fitTitle).
 */
export function buildTitleParts(marker: Marker, language: Language, workDir?: string): string[] {
  const name = runName(marker, workDir);
  const parts = [statusLabel(language, marker.status), name];
  if (marker.run_id && marker.run_id !== name) parts.push(marker.run_id);
  if (marker.host) parts.push(marker.host);
  if (marker.duration_s !== null) parts.push(formatDurationIn(language, marker.duration_s));
  return parts.filter((part) => part !== '');
}

/** The title of a `train-monitor test` message: says it is a test, then names the tool. */
export function testTitleParts(language: Language): string[] {
  return [translate(language, 'title.test'), 'hpc-run'];
}

/** `❌ failed · bert · 123456_7 · gpu042 · 1h 00m 06s`. */
export function joinTitle(parts: string[]): string {
  return parts.join(TITLE_SEPARATOR);
}

/**
 * The longest title within `maxChars` that says the status and names the run: as many whole parts as fit; else
 * the status and the run name cut with `…`; else the status alone. The status is never cut in half.
 */
export function fitTitle(parts: string[], maxChars?: number): string {
  const whole = joinTitle(parts);
  if (maxChars === undefined || countChars(whole) <= maxChars) return whole;
  for (let n = parts.length - 1; n >= 2; n--) {
    const title = joinTitle(parts.slice(0, n));
    if (countChars(title) <= maxChars) return title;
  }
  const [status, name] = parts;
  if (name === undefined) return truncateToLimit(status, { maxChars });
  const room = maxChars - countChars(status) - countChars(TITLE_SEPARATOR);
  if (room >= MIN_NAME_CHARS) return `${status}${TITLE_SEPARATOR}${truncateToLimit(name, { maxChars: room })}`;
  return truncateToLimit(status, { maxChars });
}
