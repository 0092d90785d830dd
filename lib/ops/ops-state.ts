import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode } from '../common/errors.js';
import { updateLockedJson } from '../common/locked-update.js';
import type { InRunStatus } from '../common/marker.js';
import { stateDir } from '../common/paths.js';
import type { Report } from '../report/types.js';

/** One open episode (a stall or an idle stretch): its report is sent once. */
export interface Episode {
  id: string;
  /** When the condition began, by the monitor's clock (ms): the last byte growth, or the first idle reading. */
  since: number;
  opened_at: number;
  /** The outbox item of this episode's report. */
  item: string;
}

/** One live run as monitors watch it between passes; times are ms by the observing monitor's clock. */
export interface RunWatch {
  run_id: string | null;
  work_dir: string;
  seq: number;
  seq_changed_at: number;
  log_bytes: number | null;
  bytes_changed_at: number;
  /** The thresholds in force at the last pass (status reads them; 0 = off). */
  stall_after_s: number;
  stale_after_s: number;
  idle_since: number | null;
  stall: Episode | null;
  idle: Episode | null;
  /** Episodes opened so far (ids stay unique per run). */
  episodes: number;
}

/** An in-run report waiting for delivery; removed once every channel confirmed (then it is in the history). */
export interface OutboxItem {
  id: string;
  kind: InRunStatus;
  run_key: string;
  run_id: string | null;
  work_dir: string;
  created_at: number;
  /** How long the run had been silent or idle when the item was made, in seconds. */
  duration_s: number;
  /** Built once, by the first monitor that sends it (the log's last lines at that moment). */
  report: Report | null;
  delivered: string[];
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  /** A monitor sending it now; another one leaves it alone until `since` is older than the claim timeout. */
  sending: { by: string; since: number } | null;
}

/** `<state dir>/ops-state.json`: what the in-run alerts remember across passes and monitors. */
export interface OpsState {
  schema: 1;
  runs: Record<string, RunWatch>;
  outbox: OutboxItem[];
}

/** The state file's path. */
export function opsStatePath(env: NodeJS.ProcessEnv = process.env): string {
  return join(stateDir(env), 'ops-state.json');
}

/** Reads the state without a lock (status, follow); a missing or damaged file reads as empty. */
export async function readOpsState(env: NodeJS.ProcessEnv): Promise<OpsState> {
  try {
    const data = JSON.parse(await readFile(opsStatePath(env), 'utf8')) as Partial<OpsState>;
    return {
      schema: 1,
      runs: typeof data.runs === 'object' && data.runs !== null && !Array.isArray(data.runs) ? data.runs : {},
      outbox: Array.isArray(data.outbox) ? data.outbox : [],
    };
  } catch (error) {
    if (errnoCode(error) !== 'ENOENT' && !(error instanceof SyntaxError)) throw error;
    return { schema: 1, runs: {}, outbox: [] };
  }
}

/**
 * Reads, changes and writes the state under a proper-lockfile lock (atomic write), so a cron monitor beside a
 * long-running one never loses the other's episodes. With `persist: false` (dry run) nothing is written.
 */
export async function updateOpsState<T>(env: NodeJS.ProcessEnv, change: (state: OpsState) => T, options: { persist: boolean }): Promise<T> {
  return updateLockedJson(opsStatePath(env), () => readOpsState(env), change, options);
}
