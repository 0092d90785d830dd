import { homedir } from 'node:os';
import { join } from 'node:path';

type Env = NodeJS.ProcessEnv;

/** `$HPC_RUN_STATE_DIR`, else `$XDG_STATE_HOME/hpc-run`, else `~/.local/state/hpc-run` (shared `$HOME` on clusters). */
export function stateDir(env: Env = process.env): string {
  if (env.HPC_RUN_STATE_DIR) return env.HPC_RUN_STATE_DIR;
  const base = env.XDG_STATE_HOME || join(env.HOME || homedir(), '.local', 'state');
  return join(base, 'hpc-run');
}

/** Where the wrapper registers every run, and writes markers it could not write into the work dir. */
export function spoolDir(env: Env = process.env): string {
  return join(stateDir(env), 'spool');
}

/** The console channel's append-only record of every report. */
export function notificationsLogPath(env: Env = process.env): string {
  return join(stateDir(env), 'notifications.log');
}

/** `.train_complete.json`, or `.train_complete.<run-id>.json`. */
export function markerFileName(runId: string | null): string {
  return runId ? `.train_complete.${runId}.json` : '.train_complete.json';
}

/** `.train_control.json`, or `.train_control.<run-id>.json`: `train-monitor stop`'s request beside the run's heartbeat. */
export function controlFileName(runId: string | null): string {
  return runId ? `.train_control.${runId}.json` : '.train_control.json';
}

/** `.train_running.json`, or `.train_running.<run-id>.json`. */
export function heartbeatFileName(runId: string | null): string {
  return runId ? `.train_running.${runId}.json` : '.train_running.json';
}

/** Every completion marker name; temporary and claimed names never end in `.json` after the prefix. */
export const MARKER_NAME = /^\.train_complete(?:\.[^/]*)?\.json$/;
export const HEARTBEAT_NAME = /^\.train_running(?:\.[^/]*)?\.json$/;

/** The run id a marker or heartbeat name carries, or null for the plain names. */
export function runIdFromFileName(name: string): string | null {
  const match = /^\.train_(?:complete|running)\.(.+)\.json$/.exec(name);
  return match ? match[1] : null;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `train_YYYYMMDD_HHMMSS[_<run-id>].log` in local time. */
export function logFileName(startedAt: Date, runId: string | null): string {
  const d = startedAt;
  const date = `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}`;
  const time = `${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}`;
  const stamp = `${date}_${time}`;
  return runId ? `train_${stamp}_${runId}.log` : `train_${stamp}.log`;
}

/** Keeps a run id safe as part of a file name. */
export function sanitizeRunId(runId: string): string {
  return runId.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^\.+/, '');
}

/**
 * `--run-id`, else `<SLURM_ARRAY_JOB_ID>_<SLURM_ARRAY_TASK_ID>`, else `SLURM_JOB_ID`, else null;
 * `_r<N>` is appended for a requeued job (`SLURM_RESTART_COUNT` > 0).
 */
export function resolveRunId(explicit: string | undefined, env: Env = process.env): string | null {
  let id: string | null = null;
  if (explicit) id = explicit;
  else if (env.SLURM_ARRAY_JOB_ID && env.SLURM_ARRAY_TASK_ID) id = `${env.SLURM_ARRAY_JOB_ID}_${env.SLURM_ARRAY_TASK_ID}`;
  else if (env.SLURM_JOB_ID) id = env.SLURM_JOB_ID;
  const restarts = Number(env.SLURM_RESTART_COUNT ?? 0);
  if (id !== null && Number.isInteger(restarts) && restarts > 0) id = `${id}_r${restarts}`;
  return id === null ? null : sanitizeRunId(id);
}

/** Local time in the seed's marker format `YYYY-MM-DD HH:MM:SS`. */
export function seedTimestamp(d: Date): string {
  const date = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return `${date} ${time}`;
}

/** ISO 8601 with the local UTC offset, e.g. `2024-01-01T11:34:50+08:00`. */
export function isoLocal(d: Date): string {
  const offset = -d.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const abs = Math.abs(offset);
  return `${seedTimestamp(d).replace(' ', 'T')}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}
