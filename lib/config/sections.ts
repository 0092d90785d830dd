import { parseDuration } from '../common/duration.js';
import { DEFAULTS } from './defaults.js';
import { childPath, isMapping } from './expand.js';
import { resolveUserPath } from './files.js';
import type { ProblemList } from './issues.js';
import { unknownKeyMessage } from './suggest.js';
import type { DigestSettings, Language, MonitorSettings, ReportConfig, RetentionSettings, TrainDefaults } from './types.js';
import { normalizeOpsMonitor, OPS_MONITOR_KEYS } from '../ops/settings.js';

const MONITOR_KEYS = {
  interval: 'interval_s',
  stale_after: 'stale_after_s',
  claim_timeout: 'claim_timeout_s',
  retry_base: 'retry_base_s',
  retry_max: 'retry_max_s',
  corrupt_grace: 'corrupt_grace_s',
} as const;

/** `report:` — how many log lines, which language, how long a line may be. */
export function normalizeReport(value: unknown, problems: ProblemList): ReportConfig {
  const report: ReportConfig = { ...DEFAULTS.report };
  const section = readSection(value, 'report', ['include_last_n_lines', 'language', 'max_line_length'], problems);
  if (section.include_last_n_lines !== undefined) {
    report.include_last_n_lines =
      readPositiveInteger(section.include_last_n_lines, 'report.include_last_n_lines', problems) ?? report.include_last_n_lines;
  }
  if (section.max_line_length !== undefined) {
    report.max_line_length = readPositiveInteger(section.max_line_length, 'report.max_line_length', problems) ?? report.max_line_length;
  }
  if (section.language !== undefined) report.language = readLanguage(section.language, problems) ?? report.language;
  return report;
}

/** `train:` — the wrapper's defaults; a relative `work_dir` is resolved against the current directory. */
export function normalizeTrain(value: unknown, cwd: string, env: NodeJS.ProcessEnv, problems: ProblemList): TrainDefaults {
  const train: TrainDefaults = {};
  const section = readSection(value, 'train', ['work_dir', 'command', 'log', 'log_dir', 'notify_each_attempt'], problems);
  const workDir = readText(section.work_dir, 'train.work_dir', problems);
  if (workDir !== undefined) train.work_dir = resolveUserPath(workDir, cwd, env);
  const command = readText(section.command, 'train.command', problems);
  if (command !== undefined) train.command = command;
  let logDir = readText(section.log_dir, 'train.log_dir', problems);
  if (section.log !== undefined && section.log !== null) {
    if (!isMapping(section.log)) problems.error('train.log', 'expected a mapping, e.g. {dir: "logs"}');
    else logDir = readText(section.log.dir, 'train.log.dir', problems) ?? logDir;
  }
  if (logDir !== undefined) train.log_dir = logDir;
  const each = section.notify_each_attempt;
  if (typeof each === 'boolean') train.notify_each_attempt = each;
  else if (each !== undefined && each !== null) problems.error('train.notify_each_attempt', `expected true or false, got ${show(each)}`);
  return train;
}

/** `watch:` (top level) and `monitor.watch`, plus `train.work_dir`: absolute directories, each once. */
export function normalizeWatch(
  top: unknown,
  monitor: unknown,
  train: TrainDefaults,
  cwd: string,
  env: NodeJS.ProcessEnv,
  problems: ProblemList,
): string[] {
  const dirs: string[] = [];
  const nested = isMapping(monitor) ? monitor.watch : undefined;
  for (const [value, path] of [[top, 'watch'], [nested, 'monitor.watch']] as const) {
    if (value === undefined || value === null) continue;
    const list = typeof value === 'string' ? [value] : value;
    if (!Array.isArray(list)) {
      problems.error(path, 'expected a list of work directories, e.g. ["~/runs/bert", "/scratch/me/gpt"]');
      continue;
    }
    list.forEach((entry, i) => {
      const dir = readText(entry, childPath(path, i), problems);
      if (dir !== undefined) dirs.push(resolveUserPath(dir, cwd, env));
    });
  }
  if (train.work_dir) dirs.push(train.work_dir);
  return [...new Set(dirs)];
}

/** `monitor:` — durations (seconds, or with s/m/h) for polling, staleness, claims and retries. */
export function normalizeMonitor(value: unknown, problems: ProblemList): MonitorSettings {
  const monitor: MonitorSettings = { ...DEFAULTS.monitor, gpu_idle: { ...DEFAULTS.monitor.gpu_idle } };
  const names = Object.keys(MONITOR_KEYS) as Array<keyof typeof MONITOR_KEYS>;
  const section = readSection(value, 'monitor', [...names, ...names.map((k) => MONITOR_KEYS[k]), 'watch', ...OPS_MONITOR_KEYS], problems);
  normalizeOpsMonitor(section, monitor, problems);
  for (const name of names) {
    const field = MONITOR_KEYS[name];
    const key = section[field] !== undefined ? field : name;
    const given = section[key];
    if (given === undefined || given === null || given === '') continue;
    try {
      monitor[field] = parseDuration(given, `monitor.${key}`);
    } catch {
      problems.error(`monitor.${key}`, `expected a positive duration in seconds, or with s, m or h (e.g. 90, 10m), got ${show(given)}`);
    }
  }
  if (monitor.retry_max_s < monitor.retry_base_s) {
    problems.error('monitor.retry_max', `expected at least monitor.retry_base (${monitor.retry_base_s} s), got ${monitor.retry_max_s} s`);
  }
  return monitor;
}

/** `digest:` — how many markers of one array job in one pass go out as a single digest. */
export function normalizeDigest(value: unknown, problems: ProblemList): DigestSettings {
  const digest: DigestSettings = { ...DEFAULTS.digest };
  const section = readSection(value, 'digest', ['min_batch'], problems);
  if (section.min_batch !== undefined) {
    digest.min_batch = readPositiveInteger(section.min_batch, 'digest.min_batch', problems) ?? digest.min_batch;
  }
  return digest;
}

/** `retention:` — the defaults of `train-monitor clean` (keep_last: runs per work dir; older_than: e.g. 7d). */
export function normalizeRetention(value: unknown, problems: ProblemList): RetentionSettings {
  const retention: RetentionSettings = { keep_last: null, older_than_s: null };
  const section = readSection(value, 'retention', ['keep_last', 'older_than'], problems);
  if (section.keep_last !== undefined && section.keep_last !== null) {
    retention.keep_last = readPositiveInteger(section.keep_last, 'retention.keep_last', problems) ?? null;
  }
  if (section.older_than !== undefined && section.older_than !== null) {
    try {
      retention.older_than_s = parseDuration(section.older_than, 'retention.older_than', { days: true });
    } catch {
      problems.error('retention.older_than', `expected a duration with s, m, h or d (e.g. 7d, 36h), got ${show(section.older_than)}`);
    }
  }
  return retention;
}

// A section as a mapping (absent → empty); keys nothing reads get a warning.
function readSection(value: unknown, path: string, known: string[], problems: ProblemList): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (!isMapping(value)) {
    problems.error(path, 'expected a mapping (key: value lines)');
    return {};
  }
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      problems.warn(`${problems.file ? `${problems.file}: ` : ''}${unknownKeyMessage(`${path}.${key}`, key, known)}`);
    }
  }
  return value;
}

// A whole number ≥ 1 (also written as text, e.g. from `${VAR}`).
function readPositiveInteger(value: unknown, path: string, problems: ProblemList): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  if (Number.isInteger(n) && n >= 1) return n;
  problems.error(path, `expected a positive whole number, got ${show(value)}`);
  return undefined;
}

// `en` or `zh` (any case; a region such as zh-CN is accepted).
function readLanguage(value: unknown, problems: ProblemList): Language | undefined {
  const match = typeof value === 'string' ? /^(en|zh)(?:[-_][a-z]+)?$/i.exec(value.trim()) : null;
  if (match) return match[1].toLowerCase() as Language;
  problems.error('report.language', `expected en or zh, got ${show(value)}`);
  return undefined;
}

// Non-empty text, or undefined when absent.
function readText(value: unknown, path: string, problems: ProblemList): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  problems.error(path, 'expected text');
  return undefined;
}

// A value as shown in a message (these settings are never secrets).
function show(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (value === null || value === undefined) return 'nothing';
  return typeof value === 'object' ? (Array.isArray(value) ? 'a list' : 'a mapping') : String(value);
}
