import type { Marker } from '../common/marker.js';
import { readHistory, type HistoryEntry } from '../ops/history.js';
import { collectRuns, type RunRow } from '../ops/runs.js';
import { cleanLines } from '../report/clean.js';
import { resolveLogPath } from '../report/log-path.js';
import { readLogTail } from '../report/tail.js';
import type { RunSource } from './server.js';

/** How long one collection of runs serves every request (a page, a scrape, an SSE tick) before it is read again. */
export const RUNS_CACHE_MS = 1000;

/**
 * The runs as `status` sees them (lib/ops), shared by the page, /api/runs and /metrics; one collection at a time,
 * reused for RUNS_CACHE_MS so that many clients cost one read of the spool.
 */
export function createRunSource(options: { env: NodeJS.ProcessEnv; workDirs: string[]; now?: () => number }): RunSource {
  const now = options.now ?? Date.now;
  const cache = new Map<boolean, { at: number; rows: Promise<RunRow[]> }>();
  const runs = (all: boolean): Promise<RunRow[]> => {
    const hit = cache.get(all);
    if (hit && now() - hit.at < RUNS_CACHE_MS) return hit.rows;
    const rows = collectRuns({ env: options.env, all, workDirs: options.workDirs.length ? options.workDirs : undefined });
    cache.set(all, { at: now(), rows });
    rows.catch(() => cache.delete(all));
    return rows;
  };
  return {
    runs,
    logTail: async (run, lines) => {
      const log = run.log_file;
      if (!log) return [];
      // The same rule as reports: a log outside the run's work dir is never read.
      const resolved = await resolveLogPath({ log_file: log, work_dir: run.work_dir } as Marker, run.work_dir);
      if (!resolved.path) return [];
      try {
        return cleanLines((await readLogTail(resolved.path, lines, { maxBytes: 256 * 1024 })).lines);
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
