import { readHistory, type HistoryEntry } from '../ops/history.js';
import { collectRuns, logPathOf, type RunRow } from '../ops/runs.js';
import { cleanLines } from '../report/clean.js';
import { readLogTail } from '../report/tail.js';
import type { RunSource } from './server.js';

/** A collection younger than this is served as it is. */
export const RUNS_FRESH_MS = 1000;
/** An older one (up to this age) is served at once while a fresh one is read in the background. */
export const RUNS_STALE_MS = 10_000;

interface Snapshot {
  at: number;
  rows: RunRow[];
}

/**
 * The runs as `status` sees them (lib/ops), shared by the page, /api/runs and /metrics: one collection at a time,
 * served from the last snapshot (refreshed in the background once older than RUNS_FRESH_MS), so that a scrape or
 * a page never waits for a read of every heartbeat unless the snapshot is older than RUNS_STALE_MS.
 */
export function createRunSource(options: { env: NodeJS.ProcessEnv; workDirs: string[]; now?: () => number }): RunSource {
  const now = options.now ?? Date.now;
  const snapshots = new Map<boolean, Snapshot>();
  const inFlight = new Map<boolean, Promise<RunRow[]>>();
  const refresh = (all: boolean): Promise<RunRow[]> => {
    let running = inFlight.get(all);
    if (!running) {
      const started = now();
      running = collectRuns({ env: options.env, all, workDirs: options.workDirs.length ? options.workDirs : undefined })
        .then((rows) => {
          snapshots.set(all, { at: started, rows });
          return rows;
        })
        .finally(() => inFlight.delete(all));
      inFlight.set(all, running);
    }
    return running;
  };
  const runs = async (all: boolean): Promise<RunRow[]> => {
    const last = snapshots.get(all);
    const age = last ? now() - last.at : Infinity;
    if (last && age < RUNS_FRESH_MS) return last.rows;
    if (last && age < RUNS_STALE_MS) {
      refresh(all).catch(() => undefined); // the next request gets it
      return last.rows;
    }
    return refresh(all);
  };
  return {
    runs,
    logTail: async (run, lines) => {
      // The same rule as reports: a log outside the run's work dir is read only where the run's spool entry names it.
      const path = await logPathOf(run);
      if (!path) return [];
      try {
        return cleanLines((await readLogTail(path, lines, { maxBytes: 256 * 1024 })).lines);
      } catch {
        return [];
      }
    },
    history: async (limit, run) => {
      const entries: HistoryEntry[] = await readHistory(options.env).catch(() => []);
      const mine = run ? entries.filter((e) => e.work_dir === run.work_dir && e.run_id === run.run_id) : entries;
      return mine.slice(-limit).reverse();
    },
  };
}
