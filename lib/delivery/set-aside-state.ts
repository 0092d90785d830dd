import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { updateLockedJson } from '../common/locked-update.js';
import { stateDir } from '../common/paths.js';

/** A marker set aside as `*.bad` whose one warning report has not reached every channel yet. */
export interface SetAside {
  markerPath: string;
  badPath: string;
  reason: string;
  workDir: string;
  at: number;
  /** Channels that took the warning report already. */
  delivered: string[];
  /** `report`: the marker was read, but its report could not be built (a poison marker); else it was unreadable. */
  kind?: 'unreadable' | 'report';
  /** What the marker said, where it could be read. */
  runId?: string | null;
  status?: string | null;
}

/**
 * What monitors remember between passes (and cron runs) in `corrupt-markers.json`: when each unreadable marker was
 * first seen, by the monitor's own clock, and the set-aside markers whose warning report is still to be delivered
 * (lib/monitor/corrupt.ts sends them).
 */
export interface SetAsideState {
  seen: Record<string, number>;
  pending: Record<string, SetAside>;
}

export const setAsideStateFile = (env: NodeJS.ProcessEnv) => join(stateDir(env), 'corrupt-markers.json');

export async function readSetAsideState(env: NodeJS.ProcessEnv): Promise<SetAsideState> {
  try {
    const data = JSON.parse(await readFile(setAsideStateFile(env), 'utf8')) as Partial<SetAsideState>;
    return { seen: data.seen ?? {}, pending: data.pending ?? {} };
  } catch {
    return { seen: {}, pending: {} };
  }
}

/** Changes the state under its lock, on what is there now (a monitor and a wrapper's --notify may both write it). */
export function updateSetAsideState<T>(env: NodeJS.ProcessEnv, change: (state: SetAsideState) => T): Promise<T> {
  return updateLockedJson(setAsideStateFile(env), () => readSetAsideState(env), change, { persist: true });
}

/**
 * Records a marker set aside because its report could not be built (a poison marker, in a monitor's pass or a
 * wrapper's --notify): the monitor's next pass sends its one warning report, until every channel took it.
 */
export async function noteSetAside(entry: Omit<SetAside, 'delivered'>, env: NodeJS.ProcessEnv): Promise<void> {
  await updateSetAsideState(env, (state) => {
    state.pending[entry.badPath] = { ...entry, delivered: [] };
  });
}
