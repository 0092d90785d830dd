import type { Language } from '../config/types.js';
import type { GpuSummary, Marker } from '../common/marker.js';
import { formatDurationIn, statusLabel, translate, type MessageKey } from './i18n.js';
import { localizeSchedulerNote } from './scheduler-note.js';
import { attemptPairs, attemptsOutcome, stopPairs } from './operations.js';
import { formatTime } from './time.js';

type Pair = [label: string, value: string];

export { formatTime } from './time.js';

/** `H100 80GB HBM3` → `H100`; vendor words dropped, memory and form factor words cut. */
export function shortGpuName(name: string): string {
  const words = name.replace(/^(NVIDIA|AMD)\s+/i, '').replace(/^(GeForce|Tesla|Quadro)\s+/i, '').split(/\s+/);
  const kept: string[] = [];
  for (const word of words) {
    if (kept.length > 0 && /^(\d+GB|HBM\d*e?|PCIe|SXM\d*|NVL|MIG.*)$/i.test(word)) break;
    kept.push(word);
  }
  return kept.join(' ') || name;
}

/** One pair per GPU for up to four, else one pair for all of them. */
export function summarizeGpus(gpus: GpuSummary[], language: Language): Pair[] {
  if (gpus.length === 0) return [];
  if (gpus.length <= 4) {
    return gpus.map((g) => [translate(language, 'label.gpu', { index: g.index }), translate(language, 'gpu.one', {
      name: shortGpuName(g.name), peak: g.peak_memory_used_mib, total: g.memory_total_mib, util: Math.round(g.mean_utilization_pct),
    })]);
  }
  const peak = gpus.reduce((best, g) => (g.peak_memory_used_mib > best.peak_memory_used_mib ? g : best));
  const util = gpus.reduce((sum, g) => sum + g.mean_utilization_pct, 0) / gpus.length;
  const names = new Set(gpus.map((g) => shortGpuName(g.name)));
  return [[translate(language, 'label.gpus'), translate(language, 'gpu.many', {
    count: gpus.length, name: [...names].join('/'), peak: peak.peak_memory_used_mib, total: peak.memory_total_mib, util: Math.round(util),
  })]];
}

/**
 * The labelled facts of one run, most important first (a report cut to size drops them from the end). A fact the
 * marker does not know (an old four-field marker's host, duration, start) is left out, never shown as 0 or empty.
 */
export function buildSummary(marker: Marker, language: Language): Pair[] {
  const t = (key: MessageKey, params?: Record<string, string | number>) => translate(language, key, params);
  const pairs: Pair[] = [[t('label.status'), statusLabel(language, marker.status)]];
  if (marker.exit_code !== null) pairs.push([t('label.exit_code'), String(marker.exit_code)]);
  const outcome = attemptsOutcome(marker, language);
  if (outcome) pairs.push([t('label.attempts'), outcome]);
  if (marker.signal) pairs.push([t('label.signal'), marker.signal]);
  pairs.push(...stopPairs(marker, language));
  if (marker.scheduler_state) pairs.push([t('label.scheduler_state'), marker.scheduler_state]);
  if (marker.scheduler_note) pairs.push([t('label.scheduler_note'), localizeSchedulerNote(marker.scheduler_note, language)]);
  if (marker.duration_s !== null) pairs.push([t('label.duration'), formatDurationIn(language, marker.duration_s)]);
  if (marker.host) pairs.push([t('label.host'), marker.host]);
  const slurm = marker.slurm;
  if (slurm?.job_id) {
    const job = slurm.array_job_id && slurm.array_task_id
      ? t('value.array', { job: slurm.job_id, array: slurm.array_job_id, task: slurm.array_task_id })
      : slurm.job_id;
    pairs.push([t('label.slurm_job'), job]);
    if (slurm.job_name) pairs.push([t('label.job_name'), slurm.job_name]);
  }
  pairs.push(...summarizeGpus(marker.gpus, language));
  if (marker.command) pairs.push([t('label.command'), marker.command]);
  if (marker.run_id) pairs.push([t('label.run_id'), marker.run_id]);
  if (marker.started_at) pairs.push([t('label.started'), formatTime(marker.started_at)]);
  if (marker.ended_at) pairs.push([t('label.ended'), formatTime(marker.ended_at)]);
  else if (marker.timestamp) pairs.push([t('label.ended'), marker.timestamp]);
  pairs.push(...attemptPairs(marker, language));
  if (slurm?.partition) pairs.push([t('label.partition'), slurm.partition]);
  if (slurm?.nodelist) pairs.push([t('label.nodes'), slurm.nodelist]);
  if (slurm && slurm.restart_count > 0) pairs.push([t('label.restarts'), String(slurm.restart_count)]);
  if (marker.user) pairs.push([t('label.user'), marker.user]);
  if (marker.work_dir) pairs.push([t('label.work_dir'), marker.work_dir]);
  if (marker.log_file) pairs.push([t('label.log_file'), marker.log_file]);
  return pairs;
}
