import type { ReportConfig } from '../../lib/config/types.js';

/** The `report:` section with its defaults (English, the last 50 lines, lines cut at 500 characters); override any. */
export function reportConfig(overrides: Partial<ReportConfig> = {}): ReportConfig {
  return { include_last_n_lines: 50, language: 'en', max_line_length: 500, ...overrides };
}
