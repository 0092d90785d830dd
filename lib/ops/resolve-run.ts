import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { HpcRunError } from '../common/errors.js';
import { collectRuns, runLabel, type RunRow } from './runs.js';

/** A RUN argument that names no run, an ended one, or several. */
export class RunLookupError extends HpcRunError {
  constructor(code: 'E_RUN_UNKNOWN' | 'E_RUN_ENDED' | 'E_RUN_AMBIGUOUS' | 'E_NO_RUNNING', message: string, hint?: string) {
    super(code, message, { exitCode: 1, hint });
  }
}

/** True for a run whose heartbeat is still there (running, stalled, GPU idle, or silent). */
export function isLive(row: RunRow): boolean {
  return row.heartbeat_file !== null;
}

/**
 * Every run RUN names: its run id, or its work dir (a path). Looks in the spool, the history, and the
 * directory itself when RUN is one (a run the spool does not know).
 */
export async function findRuns(run: string, env: NodeJS.ProcessEnv, cwd: string): Promise<RunRow[]> {
  const dir = resolve(cwd, run);
  const matches = (r: RunRow) => r.run_id === run || r.work_dir === dir;
  const rows = (await collectRuns({ env, all: true, lastLine: false })).filter(matches);
  if (rows.length === 0 && (await stat(dir).then((s) => s.isDirectory(), () => false))) {
    return (await collectRuns({ env, all: true, lastLine: false, workDirs: [dir] })).filter(matches);
  }
  return rows;
}

/**
 * The one live run RUN names, or a clear error: unknown (exit 1), already ended (with how it ended), or
 * ambiguous (a work dir with several live runs: name one by its run id).
 */
export async function resolveLiveRun(run: string, env: NodeJS.ProcessEnv, cwd: string): Promise<RunRow> {
  const rows = await findRuns(run, env, cwd);
  const live = rows.filter(isLive);
  if (live.length === 1) return live[0];
  if (live.length > 1) {
    throw new RunLookupError(
      'E_RUN_AMBIGUOUS',
      `${run} names ${live.length} live runs: ${live.map(runLabel).join(', ')}`,
      'name one by its run id (train-monitor status lists them)',
    );
  }
  if (rows.length > 0) {
    const r = rows[0];
    const how = r.status ? `${r.status}${r.exit_code !== null ? `, exit code ${r.exit_code}` : ''}` : r.state;
    throw new RunLookupError('E_RUN_ENDED', `run ${runLabel(r)} in ${r.work_dir} has already ended (${how}, ${r.state})`);
  }
  throw new RunLookupError(
    'E_RUN_UNKNOWN',
    `no run ${JSON.stringify(run)} is known (neither a run id nor a work dir of a registered run)`,
    'train-monitor status lists the runs; give a run id or a work dir',
  );
}
