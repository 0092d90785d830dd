import { UsageError } from './errors.js';

const UNITS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400 };

/** Parses `90`, `90s`, `10m`, `1.5h` (and `7d` where days make sense) into seconds; `what` names the flag or key. */
export function parseDuration(value: unknown, what: string, options: { allowZero?: boolean; days?: boolean } = {}): number {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  const match = (options.days ? /^(\d+(?:\.\d+)?)\s*([smhd]?)$/i : /^(\d+(?:\.\d+)?)\s*([smh]?)$/i).exec(text);
  const seconds = match ? Number(match[1]) * UNITS[match[2].toLowerCase()] : Number.NaN;
  if (!Number.isFinite(seconds) || seconds < 0 || (seconds === 0 && !options.allowZero)) {
    const shown = typeof value === 'string' || typeof value === 'number' ? `'${value}'` : 'nothing';
    throw new UsageError(
      options.days
        ? `${what} must be a positive duration in seconds or with s, m, h or d (e.g. 12h, 7d), got ${shown}`
        : `${what} must be a positive duration in seconds or with s, m or h (e.g. 90, 10m), got ${shown}`,
    );
  }
  return seconds;
}

/** Formats seconds as `1h 02m 03s` for reports. */
export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.round(totalSeconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m ${String(sec).padStart(2, '0')}s`;
  if (m > 0) return `${m}m ${String(sec).padStart(2, '0')}s`;
  return `${sec}s`;
}
