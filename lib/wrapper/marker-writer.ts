import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomically } from '../common/atomic-write.js';
import { errnoCode } from '../common/errors.js';
import type { GpuSummary, Marker, SlurmInfo } from '../common/marker.js';
import { MAX_COMMAND_CHARS, capText } from '../common/marker-schema.js';
import { isoLocal, markerFileName, seedTimestamp } from '../common/paths.js';
import type { Classification } from './status.js';

/** What a run knows about itself when the command has ended. */
export interface RunFacts {
  runId: string | null;
  command: string;
  workDir: string;
  logFile: string | null;
  host: string;
  user: string;
  pid: number;
  startedAt: Date;
  endedAt: Date;
  slurm: SlurmInfo | null;
  gpus: GpuSummary[];
  version: string;
}

/** The marker, seed fields first, in DESIGN's order. */
export function buildMarker(facts: RunFacts, result: Classification): Marker {
  return {
    timestamp: seedTimestamp(facts.endedAt),
    status: result.status,
    exit_code: result.exitCode,
    log_file: facts.logFile,
    schema: 1,
    signal: result.signal,
    run_id: facts.runId,
    command: capText(facts.command, MAX_COMMAND_CHARS),
    work_dir: facts.workDir,
    host: facts.host,
    user: facts.user,
    pid: facts.pid,
    started_at: isoLocal(facts.startedAt),
    ended_at: isoLocal(facts.endedAt),
    duration_s: Math.round((facts.endedAt.getTime() - facts.startedAt.getTime()) / 100) / 10,
    slurm: facts.slurm,
    gpus: facts.gpus,
    wrapper_version: facts.version,
  };
}

/**
 * The marker's file name: by run id; with no run id the plain seed name, unless an undelivered plain marker of an
 * earlier run is still there, which is never overwritten (then `fallbackRunId` names this one).
 */
export function chooseMarkerName(workDir: string, runId: string | null, fallbackRunId: string): { name: string; runId: string | null } {
  if (runId !== null || !existsSync(join(workDir, markerFileName(null)))) return { name: markerFileName(runId), runId };
  return { name: markerFileName(fallbackRunId), runId: fallbackRunId };
}

const RETRY_DELAYS_MS = [100, 250, 500];

/** Writes the marker atomically, retrying briefly (about 1 s in all); throws the last error when it cannot. */
export async function writeMarkerWithRetry(path: string, marker: Marker): Promise<void> {
  const text = `${JSON.stringify(marker, null, 2)}\n`;
  for (let attempt = 0; ; attempt += 1) {
    try {
      await writeFileAtomically(path, text);
      return;
    } catch (error) {
      if (attempt >= RETRY_DELAYS_MS.length) throw error;
      // A vanished work dir does not come back in a second; only transient errors are worth the wait.
      if (errnoCode(error) === 'ENOENT' && attempt >= 1) throw error;
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAYS_MS[attempt]));
    }
  }
}
