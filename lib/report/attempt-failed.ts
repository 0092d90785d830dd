import { ATTEMPT_FAILED_SEVERITY, type Marker } from '../common/marker.js';
import type { ReportConfig } from '../config/types.js';
import type { OutsideLog } from './log-path.js';
import { readLogSection } from './build.js';
import { formatDurationIn, translate } from './i18n.js';
import { describeAttempt } from './operations.js';
import { buildSummary } from './summary.js';
import { runName } from './title.js';
import type { Report } from './types.js';

/** What an `attempt_failed` report says beyond the run so far. */
export interface AttemptFailedFacts {
  /** The attempt that failed (1-based) and 1 + the retries allowed. */
  attempt: number;
  of: number;
  /** Seconds until the next attempt starts. */
  nextInS: number;
}

/**
 * The report of one failed attempt that will be retried (`train.notify_each_attempt`), severity info: the title
 * says which attempt failed, the reason line why (from the log, as for an end report), the summary when the next
 * one starts and each attempt so far. `marker` is the run so far as the wrapper would write it for a failure of
 * this attempt; its `attempts` are the ones ended so far.
 */
export async function buildAttemptFailedReport(
  marker: Marker,
  facts: AttemptFailedFacts,
  options: { workDir: string; report: Partial<ReportConfig>; outsideLog?: OutsideLog },
): Promise<Report> {
  const language = options.report.language ?? 'en';
  const t = (key: Parameters<typeof translate>[1], params?: Record<string, string | number>) => translate(language, key, params);
  const log = await readLogSection(marker, { workDir: options.workDir, report: options.report, outsideLog: options.outsideLog });
  const headline = t('title.attempt_failed', { attempt: facts.attempt, of: facts.of });
  const titleParts = [headline, runName(marker, options.workDir)];
  if (marker.run_id && marker.run_id !== titleParts[1]) titleParts.push(marker.run_id);
  if (marker.host) titleParts.push(marker.host);
  const parts = titleParts.filter((p) => p !== '');
  // The end report's facts without its status line (the run has not ended) and without an attempts outcome.
  const { attempts, max_attempts: _max, ...single } = marker;
  const facts_ = buildSummary(single as Marker, language).slice(1);
  const summary: Array<[string, string]> = [
    [t('label.status'), headline],
    [
      t('label.next_attempt'),
      t('value.next_attempt', { next: facts.attempt + 1, of: facts.of, delay: formatDurationIn(language, facts.nextInS) }),
    ],
    ...facts_,
    ...(attempts ?? []).map((a): [string, string] => [t('label.attempt_n', { n: a.attempt }), describeAttempt(a, language)]),
  ];
  return {
    status: 'attempt_failed',
    severity: ATTEMPT_FAILED_SEVERITY,
    language,
    title: parts.join(' · '),
    titleParts: parts,
    summary,
    ...log,
    marker,
  };
}
