import { parseDuration } from '../common/duration.js';
import { DEFAULTS } from '../config/defaults.js';
import { isMapping } from '../config/expand.js';
import type { ProblemList } from '../config/issues.js';
import type { MonitorSettings } from '../config/types.js';

/** The `monitor:` keys of the in-run alerts (besides the monitor's own). */
export const OPS_MONITOR_KEYS = ['stall_after', 'stall_after_s', 'gpu_idle'];

const DEFAULT_STALL_AFTER_S = DEFAULTS.monitor.stall_after_s;
const DEFAULT_GPU_IDLE = DEFAULTS.monitor.gpu_idle;

/** The alert settings with their defaults (a config built elsewhere may lack them). */
export function alertSettings(monitor: MonitorSettings): { stallAfterS: number; idleThresholdPct: number; idleAfterS: number } {
  const idle = { ...DEFAULT_GPU_IDLE, ...monitor.gpu_idle };
  return { stallAfterS: monitor.stall_after_s ?? DEFAULT_STALL_AFTER_S, idleThresholdPct: idle.threshold_pct, idleAfterS: idle.after_s };
}

const OFF = /^(off|false|no|never|0)$/i;

// `off`/`false`/0 turns an alert off (0 s); otherwise a positive duration.
function readDurationOrOff(value: unknown, key: string, problems: ProblemList): number | undefined {
  if (value === false || (typeof value === 'string' && OFF.test(value.trim())) || value === 0) return 0;
  try {
    return parseDuration(value, key);
  } catch {
    problems.error(key, `expected a duration in seconds, or with s, m or h (e.g. 30m), or off, got ${JSON.stringify(value)}`);
    return undefined;
  }
}

/**
 * Reads `monitor.stall_after` (default 30m) and `monitor.gpu_idle: {threshold: 5, after: 20m}` into `monitor`;
 * `off` disables either alert.
 */
export function normalizeOpsMonitor(section: Record<string, unknown>, monitor: MonitorSettings, problems: ProblemList): void {
  monitor.stall_after_s ??= DEFAULT_STALL_AFTER_S;
  const gpuIdle = { ...DEFAULT_GPU_IDLE, ...monitor.gpu_idle };
  monitor.gpu_idle = gpuIdle;
  const stallKey = section.stall_after_s !== undefined ? 'stall_after_s' : 'stall_after';
  const stall = section[stallKey];
  if (stall !== undefined && stall !== null && stall !== '') {
    monitor.stall_after_s = readDurationOrOff(stall, `monitor.${stallKey}`, problems) ?? monitor.stall_after_s;
  }
  const idle = section.gpu_idle;
  if (idle === undefined || idle === null) return;
  if (idle === false || (typeof idle === 'string' && OFF.test(idle.trim()))) {
    gpuIdle.after_s = 0;
    return;
  }
  if (!isMapping(idle)) {
    problems.error('monitor.gpu_idle', 'expected a mapping such as {threshold: 5, after: 20m}, or off');
    return;
  }
  for (const key of Object.keys(idle)) {
    if (!['threshold', 'threshold_pct', 'after', 'after_s'].includes(key)) {
      problems.warn(
        `${problems.file ? `${problems.file}: ` : ''}monitor.gpu_idle.${key} is not a known setting and is ignored ` +
          '(known: threshold, after)',
      );
    }
  }
  const thresholdKey = idle.threshold_pct !== undefined ? 'threshold_pct' : 'threshold';
  const threshold = idle[thresholdKey];
  if (threshold !== undefined && threshold !== null && threshold !== '') {
    const n = typeof threshold === 'number' ? threshold : Number(String(threshold).trim().replace(/%$/, ''));
    if (Number.isFinite(n) && n > 0 && n <= 100) gpuIdle.threshold_pct = n;
    else {
      problems.error(
        `monitor.gpu_idle.${thresholdKey}`,
        `expected a utilisation percentage above 0 and at most 100 (e.g. 5), got ${JSON.stringify(threshold)}`,
      );
    }
  }
  const afterKey = idle.after_s !== undefined ? 'after_s' : 'after';
  const after = idle[afterKey];
  if (after !== undefined && after !== null && after !== '') {
    gpuIdle.after_s = readDurationOrOff(after, `monitor.gpu_idle.${afterKey}`, problems) ?? gpuIdle.after_s;
  }
}
