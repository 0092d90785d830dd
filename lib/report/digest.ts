import { InternalError } from '../common/errors.js';
import { SEVERITY, type Marker, type RunStatus } from '../common/marker.js';
import { readLogSection, type BuildOptions } from './build.js';
import type { OutsideLog } from './log-path.js';
import { STATUS_EMOJI, statusLabel, translate } from './i18n.js';
import { buildSummary } from './summary.js';
import { joinTitle, runName } from './title.js';
import type { DigestInfo, Report } from './types.js';

/** Worst first: the digest's status is the worst of its tasks. */
export const STATUS_RANK: Record<RunStatus, number> = { lost: 4, failed: 3, timeout: 2, terminated: 1, success: 0 };
const ORDER: RunStatus[] = ['success', 'failed', 'timeout', 'terminated', 'lost'];

/** The array task id of a marker: Slurm's, else the run id's part after the last `_`, else the run id. */
export function taskIdOf(marker: Marker): string {
  if (marker.slurm?.array_task_id) return marker.slurm.array_task_id;
  const runId = marker.run_id ?? '';
  const match = /_(\d+)(?:_r\d+)?$/.exec(runId);
  return match ? match[1] : runId;
}

// Numeric task ids in numeric order, others after them.
function compareTaskIds(a: string, b: string): number {
  const [na, nb] = [Number(a), Number(b)];
  if (Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
  return a.localeCompare(b);
}

/**
 * One report for several tasks of one array job: counts per status, the ids of the tasks that did not succeed,
 * and the error excerpt and log tail of the first of them (lowest task id). Status and severity are the worst.
 */
export async function buildDigestReport(
  items: Array<{ marker: Marker; workDir: string; outsideLog?: OutsideLog }>,
  options: Omit<BuildOptions, 'workDir'> & { workDir?: string },
): Promise<Report> {
  if (items.length === 0) throw new InternalError('E_EMPTY_DIGEST', 'buildDigestReport needs at least one marker');
  const language = options.report.language ?? 'en';
  const sorted = [...items].sort((a, b) => compareTaskIds(taskIdOf(a.marker), taskIdOf(b.marker)));
  const counts: Partial<Record<RunStatus, number>> = {};
  for (const { marker } of sorted) counts[marker.status] = (counts[marker.status] ?? 0) + 1;
  const failures = sorted.filter(({ marker }) => marker.status !== 'success');
  const status = sorted.reduce<RunStatus>(
    (worst, { marker }) => (STATUS_RANK[marker.status] > STATUS_RANK[worst] ? marker.status : worst),
    'success',
  );
  const first = failures[0] ?? sorted[sorted.length - 1];
  const arrayJobId = first.marker.slurm?.array_job_id ?? (first.marker.run_id ?? '').replace(/_\d+(?:_r\d+)?$/, '');
  const digest: DigestInfo = {
    array_job_id: arrayJobId,
    counts,
    failed_task_ids: failures.map(({ marker }) => taskIdOf(marker)),
    markers: sorted.map(({ marker }) => marker),
  };

  const t = translate.bind(null, language);
  const countText = ORDER.filter((s) => counts[s])
    .map((s) => t('count.item', { emoji: STATUS_EMOJI[s], word: t(`status.${s}`), n: counts[s] ?? 0 }))
    .join(t('list.separator'));
  const name = runName(first.marker, first.workDir);
  const ok = counts.success ?? 0;
  const titleParts = [
    statusLabel(language, status),
    name,
    t('title.array', { id: arrayJobId }),
    t('title.tasks_ok', { ok, total: sorted.length }),
  ].filter(Boolean);
  const summary: Array<[string, string]> = [
    [t('label.status'), statusLabel(language, status)],
    [t('label.array_job'), arrayJobId],
    [t('label.tasks'), String(sorted.length)],
    [t('label.counts'), countText],
  ];
  if (failures.length > 0) summary.push([t('label.failed_tasks'), digest.failed_task_ids.join(t('list.separator'))]);
  if (failures.length === 0 && first.marker.slurm?.job_name) summary.push([t('label.job_name'), first.marker.slurm.job_name]);
  if (failures.length > 0) {
    summary.push([
      t('label.first_failure'),
      t('value.task_status', { task: taskIdOf(first.marker), status: statusLabel(language, first.marker.status) }),
    ]);
    // The first failure's own facts, without its status line which the pair above already gives.
    summary.push(...buildSummary(first.marker, language).slice(1));
  }
  const log = failures.length > 0
    ? await readLogSection(first.marker, { ...options, workDir: first.workDir, outsideLog: first.outsideLog })
    : { logTail: [], errorExcerpt: [], logNote: null, reason: null, tailAfterError: false };
  return {
    status,
    severity: SEVERITY[status],
    language,
    title: joinTitle(titleParts),
    titleParts,
    summary,
    ...log,
    marker: first.marker,
    digest,
  };
}
