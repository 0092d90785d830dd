import { constants } from 'node:os';
import { CorruptFileError } from './errors.js';
import { MAX_COMMAND_CHARS, capUnknown, normalizeDelivery, normalizeGpus, normalizeSlurm, num, str, strOrNull } from './marker-schema.js';

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

/** The wrapper's report of a failed attempt that will be retried (`train.notify_each_attempt`); never a marker's status. */
export type AttemptReportStatus = 'attempt_failed';
export const ATTEMPT_FAILED_SEVERITY: Severity = 'info';

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

/**
 * Completion marker, `schema: 1`: the seed's four fields first, then ours. Readers ignore unknown fields.
 * A marker of the earlier tool has only the seed's four: the fields it lacks read as null (unknown), never as
 * invented values (`pid: 0`, `duration_s: 0`, `host: ""`).
 */
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
  host: string | null;
  user: string | null;
  pid: number | null;
  started_at: string | null;
  ended_at: string | null;
  duration_s: number | null;
  slurm: SlurmInfo | null;
  gpus: GpuSummary[];
  wrapper_version: string | null;
  /** `lost` markers: the scheduler's state (TIMEOUT, NODE_FAIL, OUT_OF_MEMORY, CANCELLED …), when known. */
  scheduler_state?: string | null;
  /** Where the scheduler's view came from, or why there is none. */
  scheduler_note?: string | null;
  /** Monitor bookkeeping of channels already delivered, kept across passes. */
  delivery?: DeliveryState;
  /** With `--retries`: every attempt in order; the marker's status and exit code are the last one's. */
  attempts?: AttemptRecord[];
  /** With `--retries`: 1 + the retries allowed. */
  max_attempts?: number;
  /** Why the log may be incomplete: writing it failed during the run (disk full, `ulimit -f`); absent when not. */
  log_error?: string | null;
  /** `user@host` of the `train-monitor stop` that ended the run (only then). */
  stopped_by?: string | null;
  /** The `--reason` given to `train-monitor stop`, if any. */
  stop_reason?: string | null;
}

/** One start of the command under `--retries`. */
export interface AttemptRecord {
  /** 1-based. */
  attempt: number;
  started_at: string;
  ended_at: string;
  exit_code: number;
  signal: string | null;
}

/** One GPU in the latest sample; a reading nvidia-smi shows as `[N/A]` (MIG) or `[Not Supported]` is null. */
export interface GpuNow {
  index: number;
  utilization_pct: number | null;
  memory_used_mib: number | null;
  memory_total_mib: number | null;
}

/** What the monitor remembers about one marker's delivery between passes. */
export interface DeliveryState {
  delivered: string[];
  attempts: number;
  next_attempt_at: string | null;
  last_error: string | null;
  /** The backoff as a duration: a reader never waits longer than this (and `retry_max`) from its own now. */
  retry_after_s?: number;
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
  // The next four are always written by this wrapper; optional because earlier wrappers' heartbeats lack them.
  /** The attempt running now (1-based) and 1 + the retries allowed. */
  attempt?: number;
  max_attempts?: number;
  /** The wrapper's `--stall-after` in seconds; null: the monitor's config decides. */
  stall_after_s?: number | null;
  /** The latest GPU sample ([] without GPUs or before the first sample). */
  gpus_now?: GpuNow[];
  /** The same sample without the GPUs that lack a reading (kept for earlier readers). */
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

/** Signals that stop a run from outside: a run ended by one of them is `terminated`, as the wrapper classifies it. */
const STOP_SIGNALS: ReadonlySet<string> = new Set(['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGKILL']);

/** `15` → `SIGTERM`; null for a number that names no signal here. */
export function signalName(number: number): string | null {
  const entry = Object.entries(constants.signals).find(([, n]) => n === number);
  return entry ? entry[0] : null;
}

/**
 * Parses a marker, accepting the seed's minimal four-field form: fields it lacks are null (`command` and
 * `work_dir` are empty strings). Python's negative return code `-N` (the earlier tool wrote it as the exit code)
 * is read as signal N with no exit code, and a `failed` run so ended by a stop signal as `terminated`.
 * Throws CorruptFileError naming the file and what is wrong.
 */
export function parseMarker(text: string, file: string): Marker {
  const data = parseJsonObject(text, file);
  const m = data as Record<string, unknown>;
  if (typeof m.status !== 'string' || !STATUSES.has(m.status)) {
    throw new CorruptFileError(file, `unknown status ${JSON.stringify(m.status)}`);
  }
  if (m.log_file !== undefined && m.log_file !== null && typeof m.log_file !== 'string') {
    throw new CorruptFileError(file, 'log_file is not a string');
  }
  const known = new Set<string>(KNOWN_FIELDS);
  const unknown = capUnknown(Object.fromEntries(Object.entries(m).filter(([k]) => !known.has(k))));
  const delivery = normalizeDelivery(m.delivery);
  // Facts an old (seed-style) marker lacks stay null: never an invented pid 0 or an empty host.
  const optional = (v: unknown, max: number): string | null => {
    const text = strOrNull(v, max);
    return text === '' ? null : text;
  };
  let status = m.status as RunStatus;
  let exitCode = num(m.exit_code);
  let signal = strOrNull(m.signal, 64);
  if (exitCode !== null && exitCode < 0 && Number.isInteger(exitCode)) {
    const name = signalName(-exitCode);
    if (name !== null) {
      signal = signal ?? name;
      exitCode = null;
      if (status === 'failed' && STOP_SIGNALS.has(signal)) status = 'terminated';
    }
  }
  return {
    ...unknown,
    timestamp: str(m.timestamp, 64),
    status,
    exit_code: exitCode,
    log_file: strOrNull(m.log_file, 4096),
    schema: 1,
    signal,
    run_id: strOrNull(m.run_id, 256),
    command: str(m.command, MAX_COMMAND_CHARS),
    work_dir: str(m.work_dir, 4096),
    host: optional(m.host, 256),
    user: optional(m.user, 256),
    pid: num(m.pid),
    started_at: optional(m.started_at, 64),
    ended_at: optional(m.ended_at, 64),
    duration_s: num(m.duration_s),
    slurm: normalizeSlurm(m.slurm),
    gpus: normalizeGpus(m.gpus),
    wrapper_version: optional(m.wrapper_version, 64),
    ...(m.scheduler_state !== undefined ? { scheduler_state: strOrNull(m.scheduler_state, 64) } : {}),
    ...(m.scheduler_note !== undefined ? { scheduler_note: strOrNull(m.scheduler_note, 2000) } : {}),
    ...(m.log_error !== undefined ? { log_error: strOrNull(m.log_error, 512) } : {}),
    ...(delivery ? { delivery } : {}),
  } as Marker;
}

const KNOWN_FIELDS = [
  'timestamp', 'status', 'exit_code', 'log_file', 'schema', 'signal', 'run_id', 'command', 'work_dir', 'host', 'user', 'pid',
  'started_at', 'ended_at', 'duration_s', 'slurm', 'gpus', 'wrapper_version', 'scheduler_state', 'scheduler_note', 'delivery',
  'log_error',
] as const;

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

/** Parses a state file (marker, heartbeat, control file) that must hold one JSON object; throws CorruptFileError. */
export function parseJsonObject(text: string, file: string): Record<string, unknown> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new CorruptFileError(file, 'not valid JSON', error);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new CorruptFileError(file, 'not a JSON object');
  return data as Record<string, unknown>;
}
