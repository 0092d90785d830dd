import { appendFile, mkdir, readFile, rename, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { errnoCode } from '../common/errors.js';
import { SEVERITY, type AttemptReportStatus, type Marker, type ReportStatus, type Severity } from '../common/marker.js';
import { stateDir } from '../common/paths.js';
import type { DeliveryContext } from '../delivery/context.js';

/** `history.jsonl` is rotated to `history.1.jsonl` past this size (one older file is kept). */
export const HISTORY_MAX_BYTES = 5 * 1024 * 1024;

/** One delivered report, one JSON line of `history.jsonl`. */
export interface HistoryEntry {
  /** When it was delivered, by the monitor's clock (ISO). */
  at: string;
  /**
   * `end`: the run's final report (from its marker); `in_run`: stalled, gpu_idle, resumed; `attempt`: the wrapper's
   * report of a failed attempt that is retried (`train.notify_each_attempt`).
   */
  kind: 'end' | 'in_run' | 'attempt';
  status: ReportStatus | AttemptReportStatus;
  severity: Severity;
  title: string;
  run_id: string | null;
  work_dir: string;
  job_id: string | null;
  host: string;
  command: string;
  log_file: string | null;
  started_at: string | null;
  ended_at: string | null;
  duration_s: number | null;
  exit_code: number | null;
  channels: string[];
  /** Marker fields of the wrapper with retries and `stop`, when present. */
  attempts?: number | null;
  stopped_by?: string | null;
  stop_reason?: string | null;
}

/** `<state dir>/history.jsonl`. */
export function historyPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(stateDir(env), 'history.jsonl');
}

/** A history entry for a delivered end report. */
export function endEntry(marker: Marker, report: { title: string; severity: Severity }, channels: string[], nowMs: number): HistoryEntry {
  const m = marker as Marker & Record<string, unknown>;
  const attempts = Array.isArray(m.attempts) ? m.attempts.length : null;
  return {
    at: new Date(nowMs).toISOString(),
    kind: 'end',
    status: marker.status,
    severity: report.severity,
    title: report.title,
    run_id: marker.run_id,
    work_dir: marker.work_dir,
    job_id: marker.slurm?.job_id ?? null,
    host: marker.host ?? '',
    command: marker.command,
    log_file: marker.log_file,
    started_at: marker.started_at || null,
    ended_at: marker.ended_at || null,
    duration_s: marker.duration_s || null,
    exit_code: marker.exit_code,
    channels,
    attempts,
    stopped_by: typeof m.stopped_by === 'string' ? m.stopped_by : null,
    stop_reason: typeof m.stop_reason === 'string' ? m.stop_reason : null,
  };
}

/**
 * Appends one line (a single append write, so concurrent monitors never interleave within a line); first rotates
 * the file when it would pass `maxBytes`, under a lock so that two monitors never rotate twice.
 */
export async function appendHistory(env: NodeJS.ProcessEnv, entry: HistoryEntry, maxBytes = HISTORY_MAX_BYTES): Promise<void> {
  const path = historyPath(env);
  const line = `${JSON.stringify(entry)}\n`;
  await mkdir(dirname(path), { recursive: true });
  const size = await stat(path).then((s) => s.size, () => 0);
  if (size > 0 && size + Buffer.byteLength(line) > maxBytes) {
    const { lock } = await import('proper-lockfile');
    const release = await lock(path, {
      realpath: false,
      stale: 10_000,
      retries: { retries: 40, minTimeout: 20, maxTimeout: 250 },
      onCompromised: () => undefined,
    });
    try {
      const again = await stat(path).then((s) => s.size, () => 0);
      if (again > 0 && again + Buffer.byteLength(line) > maxBytes) await rename(path, join(dirname(path), 'history.1.jsonl'));
    } finally {
      await release().catch(() => undefined);
    }
  }
  await appendFile(path, line, { mode: 0o600 });
}

/** Every entry of the rotated and the current file, oldest first; damaged lines are skipped. */
export async function readHistory(env: NodeJS.ProcessEnv): Promise<HistoryEntry[]> {
  const path = historyPath(env);
  const entries: HistoryEntry[] = [];
  for (const file of [join(dirname(path), 'history.1.jsonl'), path]) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') continue;
      throw error;
    }
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        const entry = JSON.parse(line) as HistoryEntry;
        if (entry && typeof entry === 'object' && typeof entry.status === 'string') entries.push(entry);
      } catch {
        // a line cut by a crash mid-append: skip it
      }
    }
  }
  return entries;
}

/**
 * Appends a delivered end report to the history (for `status --all`), from a monitor's pass or a wrapper's
 * `--notify`; a failure is one warning, never fatal.
 */
export async function recordEndDelivery(marker: Marker, ctx: DeliveryContext & { dryRun?: boolean }): Promise<void> {
  if (ctx.dryRun) return;
  await record(ctx, async () => {
    const { buildTitleParts, joinTitle } = await import('../report/title.js');
    const report = { title: joinTitle(buildTitleParts(marker, ctx.config.report.language)), severity: SEVERITY[marker.status] };
    return endEntry(marker, report, await channelNames(ctx), ctx.now());
  });
}

/**
 * Appends a delivered report of a failed attempt (the wrapper's, with `train.notify_each_attempt`): the run's
 * facts so far, with its own title and severity. It never counts as the run's end (`status --all` reads only `end`).
 */
export async function recordAttemptDelivery(
  marker: Marker,
  report: { title: string; severity: Severity },
  ctx: DeliveryContext,
): Promise<void> {
  await record(ctx, async () => ({
    ...endEntry(marker, report, await channelNames(ctx), ctx.now()),
    kind: 'attempt',
    status: 'attempt_failed',
  }));
}

async function channelNames(ctx: DeliveryContext): Promise<string[]> {
  return (await ctx.channels()).map((c) => c.name);
}

// Builds and appends one entry; a failure is one warning, never fatal.
async function record(ctx: DeliveryContext, entry: () => Promise<HistoryEntry>): Promise<void> {
  try {
    await appendHistory(ctx.env, await entry());
  } catch (error) {
    ctx.logger.warn(`cannot append to the history: ${ctx.redact(error instanceof Error ? error.message : String(error))}`);
  }
}
