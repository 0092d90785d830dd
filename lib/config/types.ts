/** One configured channel after normalisation; `name` is unique (defaults to the type, then `type-2`, …). */
export interface ChannelConfig {
  type: string;
  name: string;
  [key: string]: unknown;
}

export type Language = 'en' | 'zh';

export interface ReportConfig {
  include_last_n_lines: number;
  language: Language;
  /** Longer log lines are shortened in reports (middle elided). */
  max_line_length: number;
}

/** Defaults for the wrapper, as in the user's earlier tool's config. */
export interface TrainDefaults {
  work_dir?: string;
  command?: string;
  log_dir?: string;
  /** With `--notify` and `--retries`: report each failed attempt that will be retried (default false). */
  notify_each_attempt?: boolean;
}

export interface MonitorSettings {
  interval_s: number;
  stale_after_s: number;
  /** A claim older than this whose monitor cannot be shown alive is taken over. */
  claim_timeout_s: number;
  retry_base_s: number;
  retry_max_s: number;
  /** An unreadable marker is left alone this long (its writer may still be at work) before it is set aside. */
  corrupt_grace_s?: number;
  /** Heartbeat alive but the log not growing this long: one `stalled` report per episode (0 = off). */
  stall_after_s?: number;
  /** Every GPU of a live run under `threshold_pct` for `after_s`: one `gpu_idle` report per episode (after_s 0 = off). */
  gpu_idle?: { threshold_pct: number; after_s: number };
}

export interface DigestSettings {
  /** Markers of one array job found in one pass at or above this count go out as one digest. */
  min_batch: number;
}

/** Retention rules for `train-monitor clean`. */
export interface RetentionSettings {
  keep_last: number | null;
  older_than_s: number | null;
}

/** The loaded configuration: every default filled in, every `${VAR}` resolved, every secret known. */
export interface Config {
  /** The file that was loaded, or null for the built-in defaults. */
  file: string | null;
  channels: ChannelConfig[];
  report: ReportConfig;
  train: TrainDefaults;
  /** Absolute work dirs the monitor watches besides `--work-dir`. */
  watch: string[];
  monitor: MonitorSettings;
  digest: DigestSettings;
  /** `train-monitor clean`'s defaults; null: no rule (the command line must give one). */
  retention?: RetentionSettings;
  /** Every secret value (api keys, tokens, passwords, `${VAR}` expansions in secret fields): never printed. */
  secrets: string[];
  /** Non-fatal findings, e.g. a secrets file readable by others (with the chmod 600 fix). */
  warnings: string[];
  /** True when no channel is configured and the built-in default stands in (every delivering run says so). */
  noChannelConfigured?: boolean;
}
