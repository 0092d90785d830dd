import type { Logger } from '../common/logger.js';
import { SEVERITY, type Marker } from '../common/marker.js';
import { errnoCode } from '../common/errors.js';
import type { Language, ReportConfig } from '../config/types.js';
import { cleanLines, DEFAULT_MAX_LINE_LENGTH } from './clean.js';
import { findErrorRegion, type ErrorRegion } from './excerpt.js';
import { translate, type MessageKey } from './i18n.js';
import { resolveLogPath, type OutsideLog } from './log-path.js';
import { buildReason } from './reason.js';
import { buildSummary } from './summary.js';
import { buildTitleParts, joinTitle } from './title.js';
import { readLogTail, TAIL_MAX_BYTES } from './tail.js';
import type { LogNote, Report } from './types.js';

/** How many lines at the end of the log are searched for an error, at least (still read from the end). */
export const ERROR_SCAN_LINES = 1000;
export const DEFAULT_TAIL_LINES = 50;

export interface BuildOptions {
  workDir: string;
  report: Partial<ReportConfig>;
  logger?: Logger;
  /** Ceiling on the bytes read from the end of one log (default 4 MiB). */
  maxLogBytes?: number;
  /** The run's spool entry's log, when the marker's lies outside the work dir (see resolveLogPath). */
  outsideLog?: OutsideLog;
}

/** The log part of a report: cleaned last lines, the error excerpt, the localised note and the reason it shows. */
export interface LogSection {
  logTail: string[];
  errorExcerpt: string[];
  logNote: string | null;
  /** See Report.reason: from the log's error when there is one, else from the marker. */
  reason: string | null;
  tailAfterError: boolean;
}

/** Builds the report of one run: title, summary, error excerpt and the cleaned tail of its log. */
export async function buildReport(marker: Marker, options: BuildOptions): Promise<Report> {
  const language = options.report.language ?? 'en';
  const log = await readLogSection(marker, options);
  const titleParts = buildTitleParts(marker, language, options.workDir);
  return {
    status: marker.status,
    severity: SEVERITY[marker.status],
    language,
    title: joinTitle(titleParts),
    titleParts,
    summary: buildSummary(marker, language),
    ...log,
    marker,
  };
}

/**
 * Reads the end of the run's log (only inside its work dir) and finds the error there; never throws for the log.
 * When the error lies inside the tail, the tail starts after it, so that no line is shown twice.
 */
export async function readLogSection(marker: Marker, options: BuildOptions): Promise<LogSection> {
  const language = options.report.language ?? 'en';
  const bare = (logNote: string | null): LogSection => ({
    logTail: [], errorExcerpt: [], logNote, reason: buildReason(marker, null, language), tailAfterError: false,
  });
  const tailLines = Math.max(0, options.report.include_last_n_lines ?? DEFAULT_TAIL_LINES);
  const maxLineLength = options.report.max_line_length ?? DEFAULT_MAX_LINE_LENGTH;
  const resolved = await resolveLogPath(marker, options.workDir, options.outsideLog);
  if (resolved.note?.kind === 'outside_work_dir') {
    options.logger?.warn(
      `${describe(marker)}: log file ${JSON.stringify(resolved.note.path)} is outside the work dir ${options.workDir}; ` +
        'the report leaves its content out',
    );
  }
  if (!resolved.path) return bare(localizeNote(resolved.note, language));
  try {
    const scan = marker.status === 'success' ? tailLines : Math.max(tailLines, ERROR_SCAN_LINES);
    const tail = await readLogTail(resolved.path, scan, { maxBytes: options.maxLogBytes ?? TAIL_MAX_BYTES });
    // The wrapper could not write all of it (disk full, `ulimit -f`): the tail may not be the run's last words,
    // and an empty log is then no sign of a silent command.
    const incomplete = marker.log_error
      ? translate(language, 'note.incomplete', { path: marker.log_file ?? '', detail: marker.log_error })
      : null;
    if (tail.fileSize === 0) return bare(incomplete ?? localizeNote({ kind: 'empty', path: marker.log_file }, language));
    const lines = cleanLines(tail.lines, maxLineLength);
    const region = marker.status === 'success' ? null : findErrorRegion(lines);
    return { ...splitTail(lines, tailLines, region), logNote: incomplete, reason: buildReason(marker, region, language) };
  } catch (error) {
    const code = errnoCode(error);
    const kind = code === 'ENOENT' ? 'missing' : code === 'ELOOP' ? 'outside_work_dir' : code === 'ENOTFILE' ? 'not_a_file' : 'unreadable';
    return bare(localizeNote({ kind, path: marker.log_file, detail: code }, language));
  }
}

/** Lines of the tail just before a traceback that its excerpt keeps when the tail starts after it. */
export const TRACEBACK_CONTEXT_LINES = 2;

/**
 * The last `tailLines` lines and the excerpt; a tail reaching into the excerpt starts after its end instead, and
 * a traceback's excerpt then keeps the tail lines just before it (the step it crashed in), which `around` regions
 * carry already.
 */
export function splitTail(
  lines: string[],
  tailLines: number,
  region: ErrorRegion | null,
): Pick<LogSection, 'logTail' | 'errorExcerpt' | 'tailAfterError'> {
  const tail = tailLines > 0 ? lines.slice(-tailLines) : [];
  if (!region) return { logTail: tail, errorExcerpt: [], tailAfterError: false };
  const tailStart = lines.length - tail.length;
  if (tail.length === 0 || region.end <= tailStart) return { logTail: tail, errorExcerpt: region.lines, tailAfterError: false };
  const context = region.kind === 'traceback'
    ? lines.slice(Math.max(tailStart, region.start - TRACEBACK_CONTEXT_LINES), region.start).filter((line) => line.trim() !== '')
    : [];
  const after = lines.slice(region.end);
  const blank = after.every((line) => line.trim() === '');
  return { logTail: blank ? [] : after, errorExcerpt: [...context, ...region.lines], tailAfterError: true };
}

/** A note in the report's language, or null. */
export function localizeNote(note: LogNote | null, language: Language): string | null {
  if (!note) return null;
  return translate(language, `note.${note.kind}` as MessageKey, { path: note.path ?? '', detail: note.detail ?? 'error' });
}

// How warnings name a run.
function describe(marker: Marker): string {
  return marker.run_id ? `run ${marker.run_id}` : `run in ${marker.work_dir || 'an unknown work dir'}`;
}
