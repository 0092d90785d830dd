import type { DigestSettings, MonitorSettings, ReportConfig } from './types.js';

/** Every default of the configuration, in one place. */
export const DEFAULTS = {
  /** The secrets file looked for beside the config file when `notification.api_keys_file` is not set. */
  apiKeysFile: 'api_keys.yaml',
  report: { include_last_n_lines: 50, language: 'en', max_line_length: 500 } satisfies ReportConfig,
  monitor: {
    interval_s: 60,
    stale_after_s: 600,
    claim_timeout_s: 900,
    retry_base_s: 30,
    retry_max_s: 1800,
    corrupt_grace_s: 120,
    stall_after_s: 1800,
    gpu_idle: { threshold_pct: 5, after_s: 1200 },
  } satisfies MonitorSettings,
  digest: { min_batch: 5 } satisfies DigestSettings,
} as const;

/** Config file locations after `--config` and `$HPC_RUN_CONFIG`, relative to the current directory and home. */
export const SEARCH_PATHS = {
  local: 'config/config.yaml',
  user: '.config/hpc-run/config.yaml',
} as const;
