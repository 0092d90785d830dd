import { realpath } from 'node:fs/promises';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { readSmallFile } from '../common/fd.js';
import { parseHeartbeat, parseMarker, type Heartbeat, type Marker, type RunStatus } from '../common/marker.js';
import { spoolDir } from '../common/paths.js';
import { mapLimit } from '../monitor/concurrency.js';
import { markerNameFor } from '../monitor/lost.js';
import { scanTargets, type ScanTarget } from '../monitor/scan.js';
import { readSpool, type SpoolView } from '../monitor/spool.js';
import { cleanLine } from '../report/clean.js';
import { isInside, resolveLogPath } from '../report/log-path.js';
import { readLogTail } from '../report/tail.js';
import { heartbeatExtras, type GpuNow } from './heartbeat-view.js';
import { readHistory, type HistoryEntry } from './history.js';
import { readOpsState, type OpsState } from './ops-state.js';

/** Where a run stands, as `status` shows it. */
export type RunState = 'running' | 'stalled' | 'gpu_idle' | 'delivering' | 'delivered' | 'delivery_failing' | 'lost';

/** One row of `status` (and of `--json`, the status page and /metrics). */
export interface RunRow {
  run_id: string | null;
  work_dir: string;
  job_id: string | null;
  host: string;
  state: RunState;
  /** The end status once the run ended (its marker or history), else null. */
  status: RunStatus | null;
  exit_code: number | null;
  command: string;
  started_at: string | null;
  ended_at: string | null;
  /** Seconds since the start (live runs), or the run's duration (ended ones). */
  elapsed_s: number | null;
  /** When the command last wrote output, as the wrapper recorded it. */
  last_output_at: string | null;
  /** Seconds since the last output: by the monitor's own observations when it has any, else from the wrapper's time. */
  last_output_age_s: number | null;
  attempt: number | null;
  max_attempts: number | null;
  gpus: GpuNow[];
  /** The log's last line, ANSI escapes stripped and `\r` progress collapsed. */
  last_line: string | null;
  /** The log as the run named it (relative to the work dir). */
  log_file: string | null;
  heartbeat_file: string | null;
  marker_file: string | null;
  delivery: {
    state: 'pending' | 'failing' | 'delivered';
    attempts: number;
    last_error: string | null;
    next_attempt_at: string | null;
  } | null;
  stopped_by: string | null;
  stop_reason: string | null;
}

export interface CollectOptions {
  env: NodeJS.ProcessEnv;
  /** Only these work dirs (absolute); default: every run registered in the spool. */
  workDirs?: string[];
  /** Add delivered runs from the history. */
  all?: boolean;
  /** How many delivered runs `all` adds at most (newest first). Default 100. */
  historyLimit?: number;
  /** Read each log's last line (default true). */
  lastLine?: boolean;
  nowMs?: number;
}

const READ_CONCURRENCY = 64;

/**
 * Every run of the user as one list: live heartbeats (running, stalled, GPU idle, lost by the monitor's
 * observations), markers not yet delivered (delivering, delivery failing, lost), and with `all` the delivered
 * runs of the history. Reads only; never changes a file. Newest start first.
 */
export async function collectRuns(options: CollectOptions): Promise<RunRow[]> {
  const now = options.nowMs ?? Date.now();
  const only = options.workDirs?.map((d) => resolve(d));
  const view = only ? null : await readSpool(spoolDir(options.env));
  const targets: ScanTarget[] = only ? only.map((dir) => ({ dir, workDir: dir })) : view!.targets;
  const [scan, ops] = await Promise.all([
    scanTargets(targets),
    readOpsState(options.env).catch(() => ({ schema: 1, runs: {}, outbox: [] }) as OpsState),
  ]);
  const hasMarker = (dir: string, heartbeatName: string) => scan.markerNames.get(dir)?.has(markerNameFor(heartbeatName)) ?? false;
  const heartbeats = scan.heartbeats.filter((f) => !hasMarker(f.target.dir, f.name));
  const markers = [...scan.markers, ...scan.claims.filter((c) => c.kind === 'marker')];
  const lostClaims = scan.claims.filter((c) => c.kind === 'heartbeat' && !hasMarker(c.target.dir, c.claim.base));

  const rows: RunRow[] = [];
  const live = await mapLimit([...heartbeats, ...lostClaims], READ_CONCURRENCY, async (f) => {
    const heartbeat = await readJson(f.path, parseHeartbeat);
    return heartbeat ? liveRow(heartbeat, f.path, f.target.workDir ?? heartbeat.work_dir, ops, now, 'claim' in f) : null;
  });
  const ended = await mapLimit(markers, READ_CONCURRENCY, async (f) => {
    const marker = await readJson(f.path, parseMarker);
    return marker ? endedRow(marker, f.path, f.target.workDir ?? marker.work_dir) : null;
  });
  for (const row of [...live, ...ended]) if (row && (!only || only.includes(row.work_dir))) rows.push(row);
  if (options.all) rows.push(...(await deliveredRows(options.env, rows, only, options.historyLimit ?? 100)));
  await allowOutsideLogs(rows, view, options.env);
  if (options.lastLine !== false) await mapLimit(rows, READ_CONCURRENCY, async (row) => void (row.last_line = await readLastLine(row)));
  return rows.sort((a, b) => (Date.parse(b.started_at ?? '') || 0) - (Date.parse(a.started_at ?? '') || 0));
}

const UID = typeof process.getuid === 'function' ? process.getuid() : null;

// A JSON file of ours (a plain file owned by this user, not a symlink), parsed; null when gone, foreign or damaged.
// One open, fstat, read and close on plain descriptors: this runs for every run of the user.
async function readJson<T>(path: string, parse: (text: string, file: string) => T): Promise<T | null> {
  try {
    const text = await readSmallFile(path, (info) => UID === null || info.uid === UID);
    return text === null ? null : parse(text, path);
  } catch {
    return null;
  }
}

// A live run: its state from the monitor's observations of this very heartbeat, when they are current.
function liveRow(h: Heartbeat, path: string, workDir: string, ops: OpsState, now: number, claimedAsLost: boolean): RunRow {
  const x = heartbeatExtras(h);
  const w = ops.runs[path];
  let state: RunState = 'running';
  let ageS: number | null = null;
  if (claimedAsLost) state = 'lost';
  else if (w && w.seq === h.seq && now - w.seq_changed_at >= w.stale_after_s * 1000) state = 'lost';
  else if (w && w.log_bytes === x.log_bytes && w.stall) state = 'stalled';
  else if (w?.idle) state = 'gpu_idle';
  if (w && w.log_bytes === x.log_bytes) ageS = Math.max(0, (now - w.bytes_changed_at) / 1000);
  else if (x.last_output_at && Number.isFinite(Date.parse(x.last_output_at))) {
    ageS = Math.max(0, (now - Date.parse(x.last_output_at)) / 1000);
  }
  const started = Date.parse(h.started_at);
  return {
    run_id: h.run_id ?? null,
    work_dir: workDir,
    job_id: h.slurm?.job_id ?? null,
    host: h.host ?? '',
    state,
    status: null,
    exit_code: null,
    command: h.command ?? '',
    started_at: h.started_at ?? null,
    ended_at: null,
    elapsed_s: Number.isFinite(started) ? Math.max(0, Math.round((now - started) / 1000)) : null,
    last_output_at: x.last_output_at,
    last_output_age_s: ageS === null ? null : Math.round(ageS),
    attempt: x.attempt,
    max_attempts: x.max_attempts,
    gpus: x.gpus_now ?? [],
    last_line: null,
    log_file: h.log_file ?? null,
    heartbeat_file: path,
    marker_file: null,
    delivery: null,
    stopped_by: null,
    stop_reason: null,
  };
}

// An ended run whose marker waits for (or is in) delivery.
function endedRow(m: Marker, path: string, workDir: string): RunRow {
  const extra = m as Marker & Record<string, unknown>;
  const failing = (m.delivery?.attempts ?? 0) > 0;
  const state: RunState = m.status === 'lost' ? 'lost' : failing ? 'delivery_failing' : 'delivering';
  return {
    run_id: m.run_id,
    work_dir: workDir,
    job_id: m.slurm?.job_id ?? null,
    host: m.host ?? '',
    state,
    status: m.status,
    exit_code: m.exit_code,
    command: m.command,
    started_at: m.started_at || null,
    ended_at: m.ended_at || null,
    elapsed_s: m.duration_s ? Math.round(m.duration_s) : null,
    last_output_at: null,
    last_output_age_s: null,
    attempt: Array.isArray(extra.attempts) ? extra.attempts.length : null,
    max_attempts: null,
    gpus: [],
    last_line: null,
    log_file: m.log_file,
    heartbeat_file: null,
    marker_file: path,
    delivery: {
      state: failing ? 'failing' : 'pending',
      attempts: m.delivery?.attempts ?? 0,
      last_error: m.delivery?.last_error ?? null,
      next_attempt_at: m.delivery?.next_attempt_at ?? null,
    },
    stopped_by: typeof extra.stopped_by === 'string' ? extra.stopped_by : null,
    stop_reason: typeof extra.stop_reason === 'string' ? extra.stop_reason : null,
  };
}

// Delivered end reports of the history, newest first, one per run, leaving out runs already listed.
async function deliveredRows(env: NodeJS.ProcessEnv, present: RunRow[], only: string[] | undefined, limit: number): Promise<RunRow[]> {
  const key = (r: { work_dir: string; run_id: string | null; started_at: string | null }) =>
    `${r.work_dir}\0${r.run_id ?? ''}\0${r.started_at ?? ''}`;
  const seen = new Set(present.map(key));
  const rows: RunRow[] = [];
  const history: HistoryEntry[] = await readHistory(env).catch(() => []);
  for (let i = history.length - 1; i >= 0 && rows.length < limit; i -= 1) {
    const e = history[i];
    if (e.kind !== 'end' || seen.has(key(e)) || (only && !only.includes(e.work_dir))) continue;
    seen.add(key(e));
    rows.push({
      run_id: e.run_id, work_dir: e.work_dir, job_id: e.job_id, host: e.host, state: e.status === 'lost' ? 'lost' : 'delivered',
      status: e.status as RunStatus, exit_code: e.exit_code, command: e.command, started_at: e.started_at, ended_at: e.ended_at,
      elapsed_s: e.duration_s === null ? null : Math.round(e.duration_s), last_output_at: null, last_output_age_s: null,
      attempt: e.attempts ?? null, max_attempts: null, gpus: [], last_line: null, log_file: e.log_file, heartbeat_file: null,
      marker_file: null,
      delivery: { state: 'delivered', attempts: 0, last_error: null, next_attempt_at: null },
      stopped_by: e.stopped_by ?? null, stop_reason: e.stop_reason ?? null,
    });
  }
  return rows;
}

// The last line of the run's log (inside its work dir only), cleaned; null when there is none.
async function readLastLine(row: RunRow): Promise<string | null> {
  if (!row.log_file) return null;
  const path = await logPathOf(row);
  if (!path) return null;
  try {
    // Small steps back from the end: a last line is short, and this runs for every run (64 KiB each adds up).
    const tail = await readLogTail(path, 1, { maxBytes: 64 * 1024, chunkBytes: 4096 });
    const last = tail.lines.at(-1);
    return last === undefined ? null : cleanLine(last, 1000);
  } catch {
    return null;
  }
}

/**
 * The real path of a row's log, only inside its work dir. The common case (a relative name whose real path lies
 * lexically inside the work dir) costs one realpath; anything else takes the reports' full check.
 */
export async function logPathOf(row: Pick<RunRow, 'log_file' | 'work_dir'>): Promise<string | null> {
  const given = row.log_file;
  if (!given) return null;
  if (!isAbsolute(given) && !given.split('/').includes('..')) {
    const real = await realpath(join(row.work_dir, given)).catch(() => null);
    if (real && isInside(row.work_dir, real)) return real;
  }
  const outside = outsideLogs.get(row);
  const allowed = outside === undefined ? undefined : async () => outside;
  return (await resolveLogPath({ log_file: given, work_dir: row.work_dir } as Marker, row.work_dir, allowed)).path;
}

// Logs outside their work dir that a row may show: the run's own spool entry names exactly that file (the wrapper
// wrote it there, in the user's private state dir), as for reports. Kept beside the rows, out of their JSON.
const outsideLogs = new WeakMap<object, string>();

async function allowOutsideLogs(rows: RunRow[], view: SpoolView | null, env: NodeJS.ProcessEnv): Promise<void> {
  const outside = rows.filter((r) => r.log_file !== null && isAbsolute(r.log_file));
  if (outside.length === 0) return;
  const records = (view ?? (await readSpool(spoolDir(env)).catch(() => null)))?.records ?? [];
  const key = (workDir: string, log: string, host: string, started: string | null) => `${workDir}\0${log}\0${host}\0${started}`;
  const named = new Map<string, string>();
  for (const { entry } of records) {
    if (typeof entry.log_file === 'string' && isAbsolute(entry.log_file)) {
      named.set(key(entry.work_dir, entry.log_file, entry.host, entry.started_at), entry.log_file);
    }
  }
  for (const row of outside) {
    const log = named.get(key(row.work_dir, row.log_file!, row.host, row.started_at));
    if (log !== undefined) outsideLogs.set(row, log);
  }
}

/** A short name for a run: its run id, else its work dir's name. */
export function runLabel(row: Pick<RunRow, 'run_id' | 'work_dir'>): string {
  return row.run_id ?? (basename(row.work_dir) || row.work_dir);
}
