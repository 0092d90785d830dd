import { CorruptFileError } from './errors.js';

/** Every status a run can end with; `lost` is written by the monitor only. */
export type RunStatus = 'success' | 'failed' | 'terminated' | 'timeout' | 'lost';
export type Severity = 'info' | 'warning' | 'error' | 'critical';
/** In-run reports (not markers; the run goes on), sent by the monitor once per episode. */
export type InRunStatus = 'stalled' | 'gpu_idle' | 'resumed';
/** Every status a report can carry. */
export type ReportStatus = RunStatus | InRunStatus;

export const SEVERITY: Record<ReportStatus, Severity> = {
  success: 'info',
  failed: 'error',
  terminated: 'warning',
  timeout: 'warning',
  lost: 'critical',
  stalled: 'warning',
  gpu_idle: 'warning',
  resumed: 'info',
};

/** Slurm's view of the job, from the environment of the batch step. */
export interface SlurmInfo {
  job_id: string;
  array_job_id: string | null;
  array_task_id: string | null;
  job_name: string | null;
  partition: string | null;
  nodelist: string | null;
  restart_count: number;
}

/** One GPU as the marker records it. */
export interface GpuSummary {
  index: number;
  name: string;
  memory_total_mib: number;
  peak_memory_used_mib: number;
  mean_utilization_pct: number;
}

/** Completion marker, `schema: 1`: the seed's four fields first, then ours. Readers ignore unknown fields. */
export interface Marker {
  timestamp: string;
  status: RunStatus;
  exit_code: number | null;
  log_file: string | null;
  schema: 1;
  signal: string | null;
  run_id: string | null;
  command: string;
  work_dir: string;
  host: string;
  user: string;
  pid: number;
  started_at: string;
  ended_at: string;
  duration_s: number;
  slurm: SlurmInfo | null;
  gpus: GpuSummary[];
  wrapper_version: string;
  /** `lost` markers: the scheduler's state (TIMEOUT, NODE_FAIL, OUT_OF_MEMORY, CANCELLED …), when known. */
  scheduler_state?: string | null;
  /** Where the scheduler's view came from, or why there is none. */
  scheduler_note?: string | null;
  /** Monitor bookkeeping of channels already delivered, kept across passes. */
  delivery?: DeliveryState;
}

/** What the monitor remembers about one marker's delivery between passes. */
export interface DeliveryState {
  delivered: string[];
  attempts: number;
  next_attempt_at: string | null;
  last_error: string | null;
}

/** Heartbeat, rewritten atomically every `--heartbeat-interval` while the command runs. */
export interface Heartbeat {
  schema: 1;
  run_id: string | null;
  pid: number;
  host: string;
  user: string;
  command: string;
  work_dir: string;
  started_at: string;
  log_file: string;
  seq: number;
  updated_at: string;
  log_bytes: number;
  last_output_at: string | null;
  slurm: SlurmInfo | null;
  gpus?: Array<{ index: number; memory_used_mib: number; utilization_pct: number }>;
}

/** One file in the spool: a run the wrapper registered, so that a monitor with no `--work-dir` finds it. */
export interface SpoolEntry {
  schema: 1;
  run_id: string | null;
  work_dir: string;
  marker_file: string;
  heartbeat_file: string;
  log_file: string;
  host: string;
  pid: number;
  started_at: string;
  slurm_job_id: string | null;
}

const STATUSES = new Set<string>(['success', 'failed', 'terminated', 'timeout', 'lost']);

/**
 * Parses a marker, accepting the seed's minimal four-field form; missing fields of ours get neutral values.
 * Throws CorruptFileError naming the file and what is wrong.
 */
export function parseMarker(text: string, file: string): Marker {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new CorruptFileError(file, 'not valid JSON', error);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new CorruptFileError(file, 'not a JSON object');
  const m = data as Record<string, unknown>;
  if (typeof m.status !== 'string' || !STATUSES.has(m.status)) {
    throw new CorruptFileError(file, `unknown status ${JSON.stringify(m.status)}`);
  }
  if (m.log_file !== undefined && m.log_file !== null && typeof m.log_file !== 'string') {
    throw new CorruptFileError(file, 'log_file is not a string');
  }
  const str = (v: unknown, d = ''): string => (typeof v === 'string' ? v : d);
  const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  return {
    ...(m as object),
    timestamp: str(m.timestamp),
    status: m.status as RunStatus,
    exit_code: num(m.exit_code),
    log_file: (m.log_file as string | null | undefined) ?? null,
    schema: 1,
    signal: typeof m.signal === 'string' ? m.signal : null,
    run_id: typeof m.run_id === 'string' ? m.run_id : null,
    command: str(m.command),
    work_dir: str(m.work_dir),
    host: str(m.host),
    user: str(m.user),
    pid: num(m.pid) ?? 0,
    started_at: str(m.started_at),
    ended_at: str(m.ended_at),
    duration_s: num(m.duration_s) ?? 0,
    slurm: typeof m.slurm === 'object' && m.slurm !== null ? (m.slurm as SlurmInfo) : null,
    gpus: Array.isArray(m.gpus) ? (m.gpus as GpuSummary[]) : [],
    wrapper_version: str(m.wrapper_version),
  } as Marker;
}

/** Parses a heartbeat; throws CorruptFileError when it has no numeric `seq`. */
export function parseHeartbeat(text: string, file: string): Heartbeat {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new CorruptFileError(file, 'not valid JSON', error);
  }
  if (typeof data !== 'object' || data === null || typeof (data as Heartbeat).seq !== 'number') {
    throw new CorruptFileError(file, 'heartbeat without a numeric seq');
  }
  return data as Heartbeat;
}
