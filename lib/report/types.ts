import type { Language } from '../config/types.js';
import type { AttemptReportStatus, Marker, ReportStatus, RunStatus, Severity } from '../common/marker.js';

/** A digest of several tasks of one array job found in one pass. */
export interface DigestInfo {
  array_job_id: string;
  counts: Partial<Record<RunStatus, number>>;
  failed_task_ids: string[];
  markers: Marker[];
}

/** Everything a channel needs, language already applied; channels only lay it out and cut it to size. */
export interface Report {
  status: ReportStatus | AttemptReportStatus;
  severity: Severity;
  language: Language;
  /** Short, e.g. `✅ success · bert · 123456_7`. */
  title: string;
  /**
   * The title's parts, status and run name first (`['❌ failed', 'bert', '123456_7', …]`): a channel with a short
   * title keeps the first ones instead of cutting the title's end. Absent: the title is cut as text.
   */
  titleParts?: string[];
  /** One line right under the title saying why the run did not succeed (the exception line, `exit code 3` …). */
  reason?: string | null;
  /** True when the tail starts after the error excerpt (the lines up to it are the excerpt, not repeated). */
  tailAfterError?: boolean;
  /** A `train-monitor test` message, not a run's end. */
  test?: boolean;
  /** Labelled facts in display order: exit code, signal, host, duration, start/end, Slurm job, GPUs … */
  summary: Array<[label: string, value: string]>;
  /** Lines around the first recognised error (traceback, CUDA OOM, NCCL, Killed, time limit, segfault). */
  errorExcerpt: string[];
  /** The last lines of the log, cleaned (ANSI stripped, `\r` collapsed, long lines shortened, UTF-8 fixed). */
  logTail: string[];
  /** Why the tail is missing or partial (unreadable, outside the work dir …), localised; null when fine. */
  logNote: string | null;
  marker: Marker;
  digest?: DigestInfo;
}

/** `markdown-lite`: the subset WeCom and DingTalk group robots render (bold, quotes, line breaks). */
export type RenderFormat = 'text' | 'markdown' | 'markdown-lite' | 'html';

/** A channel's limits as the vendor counts them. */
export interface RenderLimits {
  maxChars?: number;
  maxBytes?: number;
  maxTitleChars?: number;
}

export interface RenderedReport {
  title: string;
  body: string;
}

/** Why a report carries no (or only part of the) log content. */
export type LogNoteKind = 'no_log_file' | 'outside_work_dir' | 'missing' | 'unreadable' | 'not_a_file' | 'empty';

/** A reason about the log, before localisation; `path` is the log path as the marker gave it. */
export interface LogNote {
  kind: LogNoteKind;
  path: string | null;
  /** The system's words (e.g. `EACCES`), for the unreadable case. */
  detail?: string;
}
