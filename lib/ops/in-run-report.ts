import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { errnoCode } from '../common/errors.js';
import { parseHeartbeat, SEVERITY, type Heartbeat, type Marker } from '../common/marker.js';
import type { Config } from '../config/types.js';
import { readLogSection } from '../report/build.js';
import type { OutsideLog } from '../report/log-path.js';
import { formatDurationIn, statusLabel, translate } from '../report/i18n.js';
import { runName } from '../report/title.js';
import type { Report } from '../report/types.js';
import { heartbeatExtras } from './heartbeat-view.js';
import type { OutboxItem } from './ops-state.js';

type Pair = [string, string];

/** How many log lines a `resumed` report carries (it only says the run speaks again). */
const RESUMED_TAIL_LINES = 5;

/**
 * The run so far as a marker-shaped record (what channels and the webhook body expect): the heartbeat's fields,
 * no exit code or end yet. `status` carries the in-run status, which no marker file ever holds.
 */
export function inRunMarker(item: OutboxItem, heartbeat: Heartbeat | null): Marker {
  const h = heartbeat;
  return {
    timestamp: '',
    status: item.kind as unknown as Marker['status'],
    exit_code: null,
    log_file: h?.log_file ?? null,
    schema: 1,
    signal: null,
    run_id: item.run_id,
    command: h?.command ?? '',
    work_dir: item.work_dir,
    host: h?.host ?? '',
    user: h?.user ?? '',
    pid: h?.pid ?? 0,
    started_at: h?.started_at ?? '',
    ended_at: '',
    duration_s: 0,
    slurm: h?.slurm ?? null,
    gpus: [],
    wrapper_version: '',
  };
}

/** Reads the heartbeat an item belongs to: `gone` when the file no longer exists (the run ended or was lost). */
export async function readItemHeartbeat(item: OutboxItem): Promise<{ heartbeat: Heartbeat | null; gone: boolean }> {
  try {
    return { heartbeat: parseHeartbeat(await readFile(item.run_key, 'utf8'), item.run_key), gone: false };
  } catch (error) {
    return { heartbeat: null, gone: errnoCode(error) === 'ENOENT' };
  }
}

/**
 * Builds the report of one in-run event: `stalled` with the log's last lines, `gpu_idle` with the GPUs' readings,
 * `resumed` short. The log is read from its end, inside the work dir only, like every end report.
 */
export async function buildInRunReport(
  item: OutboxItem,
  heartbeat: Heartbeat | null,
  config: Config,
  /** The run's log outside its work dir, where its spool entry names it (see DeliveryContext.outsideLogOf). */
  outsideLogOf?: (marker: Marker) => OutsideLog | undefined,
): Promise<Report> {
  const language = config.report.language;
  const t = (key: Parameters<typeof translate>[1], params?: Record<string, string | number>) => translate(language, key, params);
  const marker = inRunMarker(item, heartbeat);
  const extras = heartbeat ? heartbeatExtras(heartbeat) : null;
  const duration = formatDurationIn(language, item.duration_s);
  const tailLines =
    item.kind === 'resumed' ? Math.min(RESUMED_TAIL_LINES, config.report.include_last_n_lines) : config.report.include_last_n_lines;
  const log = await readLogSection(
    { ...marker, status: 'success' },
    {
      workDir: item.work_dir,
      report: { ...config.report, include_last_n_lines: tailLines },
      outsideLog: outsideLogOf?.(marker),
    },
  );

  const summary: Pair[] = [[t('label.status'), statusLabel(language, item.kind)]];
  if (item.kind === 'gpu_idle') summary.push([t('label.idle_for'), duration]);
  else summary.push([t('label.silent_for'), duration]);
  if (item.run_id) summary.push([t('label.run_id'), item.run_id]);
  if (marker.host) summary.push([t('label.host'), marker.host]);
  if (marker.slurm?.job_id) summary.push([t('label.slurm_job'), marker.slurm.job_id]);
  if (marker.command) summary.push([t('label.command'), marker.command]);
  summary.push([t('label.work_dir'), item.work_dir]);
  if (marker.log_file) summary.push([t('label.log_file'), marker.log_file]);
  if (extras?.log_bytes !== null && extras?.log_bytes !== undefined) {
    summary.push([t('label.log_bytes'), t('value.bytes', { n: extras.log_bytes })]);
  }
  if (extras?.attempt) {
    summary.push([t('label.attempt'), extras.max_attempts ? `${extras.attempt}/${extras.max_attempts}` : String(extras.attempt)]);
  }
  for (const g of extras?.gpus_now ?? []) {
    summary.push([t('label.gpus_now'), t('value.gpu_now', {
      index: g.index,
      util: g.utilization_pct === null ? 'N/A' : `${g.utilization_pct}%`,
      used: g.memory_used_mib ?? '?',
      total: g.memory_total_mib ?? '?',
    })]);
  }
  const settings = config.monitor;
  const explanation = item.kind === 'stalled'
    ? t('note.stalled', {
        duration,
        threshold: formatDurationIn(language, heartbeatStall(extras?.stall_after_s ?? null, settings.stall_after_s)),
      })
    : item.kind === 'gpu_idle'
      ? t('note.gpu_idle', { duration, threshold: settings.gpu_idle?.threshold_pct ?? 5 })
      : t('note.resumed', { duration });
  const name = heartbeat ? runName(marker) : basename(item.work_dir);
  return {
    status: item.kind,
    severity: SEVERITY[item.kind],
    language,
    title: [statusLabel(language, item.kind), name, item.run_id ?? '', marker.host].filter((p) => p !== '').join(' · '),
    summary,
    errorExcerpt: [],
    logTail: log.logTail,
    logNote: log.logNote ? `${explanation} ${log.logNote}` : explanation,
    marker,
  };
}

// The stall threshold that applied: the run's own, else the monitor's.
function heartbeatStall(runS: number | null, monitorS: number | undefined): number {
  return runS !== null && runS > 0 ? runS : (monitorS ?? 1800);
}
