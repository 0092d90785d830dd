import { execFile } from 'node:child_process';
import type { SlurmInfo } from '../common/marker.js';

/** Options of resolveJobEndTime: the squeue to run and how long to wait for it. */
export interface JobEndTimeOptions {
  /** Command name or path; looked up on the PATH of the given environment. Default `squeue`. */
  squeue?: string;
  /** Wall-clock limit for the one squeue call, in milliseconds. Default 5000. */
  timeoutMs?: number;
}

const DEFAULT_SQUEUE_TIMEOUT_MS = 5000;
/** A SIGTERM this close before the end time still counts as the time limit (clock skew, KillWait). */
export const TIME_LIMIT_SLACK_MS = 60_000;

// An environment value, or null when unset or blank.
function readValue(env: NodeJS.ProcessEnv, name: string): string | null {
  const value = env[name]?.trim();
  return value ? value : null;
}

// Slurm's view of this job from the batch step's environment; null outside Slurm (no SLURM_JOB_ID).
export function readSlurmInfo(env: NodeJS.ProcessEnv): SlurmInfo | null {
  const jobId = readValue(env, 'SLURM_JOB_ID');
  if (!jobId) return null;
  const restarts = Number.parseInt(readValue(env, 'SLURM_RESTART_COUNT') ?? '', 10);
  return {
    job_id: jobId,
    array_job_id: readValue(env, 'SLURM_ARRAY_JOB_ID'),
    array_task_id: readValue(env, 'SLURM_ARRAY_TASK_ID'),
    job_name: readValue(env, 'SLURM_JOB_NAME'),
    partition: readValue(env, 'SLURM_JOB_PARTITION'),
    nodelist: readValue(env, 'SLURM_JOB_NODELIST') ?? readValue(env, 'SLURM_NODELIST'),
    restart_count: Number.isFinite(restarts) && restarts > 0 ? restarts : 0,
  };
}

// SLURM_JOB_END_TIME (epoch seconds, set by Slurm >= 23.02) as a Date; null when unset or not a positive integer.
export function parseEpochSeconds(value: string | undefined): Date | null {
  const text = value?.trim() ?? '';
  if (!/^\d+$/.test(text)) return null;
  const seconds = Number(text);
  return seconds > 0 ? new Date(seconds * 1000) : null;
}

// squeue's `%e` in the standard time format (`2024-01-01T12:34:56`, local time); N/A, Unknown, NONE or blank → null.
export function parseSqueueEndTime(output: string): Date | null {
  const first = output.split('\n').map((line) => line.trim()).find((line) => line !== '') ?? '';
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(first);
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number);
  const date = new Date(year, month - 1, day, hour, minute, second);
  return Number.isNaN(date.getTime()) ? null : date;
}

// Runs one command with a hard time limit; resolves its stdout, or null when it is missing, fails or is too slow.
function runQuietly(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    try {
      execFile(command, args, { env, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024, encoding: 'utf8' }, (error, stdout) =>
        resolve(error ? null : stdout),
      );
    } catch {
      resolve(null);
    }
  });
}

/**
 * When the scheduler will end this job: `SLURM_JOB_END_TIME` where Slurm sets it, otherwise exactly one
 * `squeue -h -j $SLURM_JOB_ID -o %e` (with SLURM_TIME_FORMAT=standard so the format is fixed).
 * Null outside Slurm, for jobs without a limit, and whenever squeue is missing, fails or times out; never throws.
 */
export async function resolveJobEndTime(env: NodeJS.ProcessEnv, options: JobEndTimeOptions = {}): Promise<Date | null> {
  const jobId = readValue(env, 'SLURM_JOB_ID');
  if (!jobId) return null;
  const fromEnv = parseEpochSeconds(env.SLURM_JOB_END_TIME);
  if (fromEnv) return fromEnv;
  const squeueEnv: NodeJS.ProcessEnv = { ...env, SLURM_TIME_FORMAT: 'standard' };
  const output = await runQuietly(
    options.squeue ?? 'squeue',
    ['-h', '-j', jobId, '-o', '%e'],
    squeueEnv,
    options.timeoutMs ?? DEFAULT_SQUEUE_TIMEOUT_MS,
  );
  return output === null ? null : parseSqueueEndTime(output);
}

// True when a terminating signal at `at` counts as the time limit: at or after the job's end time, minus the slack.
export function isAtJobEnd(endTime: Date | null, at: Date, slackMs = TIME_LIMIT_SLACK_MS): boolean {
  return endTime !== null && at.getTime() >= endTime.getTime() - slackMs;
}
