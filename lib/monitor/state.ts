import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode } from '../common/errors.js';
import { updateLockedJson } from '../common/locked-update.js';
import { stateDir } from '../common/paths.js';

/** One heartbeat as this monitor has watched it: the last seq and when (by this monitor's clock) it last changed. */
export interface HeartbeatObservation {
  seq: number;
  changed_at: number;
  /** The scheduler said the job still runs, and the user has been told once. */
  noted_running?: boolean;
}

/**
 * What monitors remember between passes and invocations (cron `--once` runs accumulate observations).
 * Times are milliseconds since the epoch by the observing monitor's clock.
 */
export interface MonitorState {
  schema: 1;
  heartbeats: Record<string, HeartbeatObservation>;
  /** Claim files left by other monitors: when this monitor first saw each. */
  claims: Record<string, { first_seen: number }>;
  /** Final reports delivered, by delivery id (one per run): a later report of the same run is suppressed. */
  reported?: Record<string, { status: string; at: number }>;
}

/** `<state dir>/heartbeats.json`. */
export function monitorStatePath(env: NodeJS.ProcessEnv = process.env): string {
  return join(stateDir(env), 'heartbeats.json');
}

// A missing or damaged state file starts fresh: observations are only an optimisation of time.
async function readState(path: string): Promise<MonitorState> {
  try {
    const data = JSON.parse(await readFile(path, 'utf8')) as Partial<MonitorState>;
    return {
      schema: 1,
      heartbeats: typeof data.heartbeats === 'object' && data.heartbeats ? data.heartbeats : {},
      claims: typeof data.claims === 'object' && data.claims ? data.claims : {},
      ...(typeof data.reported === 'object' && data.reported ? { reported: data.reported } : {}),
    };
  } catch (error) {
    if (errnoCode(error) !== 'ENOENT' && !(error instanceof SyntaxError)) throw error;
    return { schema: 1, heartbeats: {}, claims: {} };
  }
}

/**
 * Reads, changes and writes the state file under a proper-lockfile lock (atomic write), so monitors
 * started by cron beside a long-running one do not lose each other's observations.
 * With `persist: false` (dry run) the change is computed but nothing is written.
 */
export async function updateMonitorState<T>(
  env: NodeJS.ProcessEnv,
  change: (state: MonitorState) => T,
  options: { persist: boolean },
): Promise<T> {
  const path = monitorStatePath(env);
  return updateLockedJson(path, () => readState(path), change, options);
}

/** True when the state file remembers anything (so a pass without heartbeats still prunes what vanished). */
export async function hasObservations(env: NodeJS.ProcessEnv): Promise<boolean> {
  const state = await readState(monitorStatePath(env)).catch(() => null);
  return state !== null && (Object.keys(state.heartbeats).length > 0 || Object.keys(state.claims).length > 0);
}

const REPORTED_KEEP_MS = 30 * 86_400_000;

/** Remembers delivered final reports (kept 30 days) in `state`. */
export function rememberReported(state: MonitorState, delivered: Array<{ id: string; status: string }>, nowMs: number): void {
  const reported = state.reported ?? {};
  for (const [id, entry] of Object.entries(reported)) if (nowMs - entry.at > REPORTED_KEEP_MS) delete reported[id];
  for (const d of delivered) reported[d.id] = { status: d.status, at: nowMs };
  state.reported = reported;
}

/** The final reports delivered so far, by delivery id (empty when the state cannot be read). */
export async function readReported(env: NodeJS.ProcessEnv): Promise<Map<string, string>> {
  const state = await readState(monitorStatePath(env)).catch(() => null);
  return new Map(Object.entries(state?.reported ?? {}).map(([id, e]) => [id, e.status]));
}
