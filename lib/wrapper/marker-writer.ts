import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { HpcRunError, errnoCode } from '../common/errors.js';
import { createNoClobber } from '../common/no-clobber.js';
import type { AttemptRecord, GpuSummary, Marker, SlurmInfo } from '../common/marker.js';
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

/** What only some runs have: attempts under `--retries`, and who stopped it through the control file. */
export interface MarkerExtras {
  attempts?: AttemptRecord[];
  maxAttempts?: number;
  stoppedBy?: string;
  stopReason?: string | null;
  /** Why writing the log failed, if it did (the first attempt's reason that had one). */
  logError?: string | null;
}

/** The marker, seed fields first, in DESIGN's order; the optional fields last, only where they apply. */
export function buildMarker(facts: RunFacts, result: Classification, extras: MarkerExtras = {}): Marker {
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
    ...(extras.attempts ? { attempts: extras.attempts, max_attempts: extras.maxAttempts ?? extras.attempts.length } : {}),
    ...(extras.stoppedBy !== undefined ? { stopped_by: extras.stoppedBy, stop_reason: extras.stopReason ?? null } : {}),
    ...(extras.logError ? { log_error: extras.logError } : {}),
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

/**
 * Writes the marker under `name`, or, when an undelivered marker of an earlier run (or a monitor's claim of it)
 * holds that name, under `<name>.<n>.json`: never overwrites a marker (a complete file linked into place).
 * Retries briefly on errors (about 1 s in all); returns the path written, or throws the last error.
 */
export async function writeMarkerUnique(workDir: string, name: string, marker: Marker): Promise<string> {
  const text = `${JSON.stringify(marker, null, 2)}\n`;
  const taken = await takenNames(workDir);
  for (let attempt = 0; ; attempt += 1) {
    try {
      for (let n = 1; n < 1000; n += 1) {
        const candidate = n === 1 ? name : name.replace(/\.json$/, `.${n}.json`);
        if (taken.has(candidate)) continue;
        if (await createNoClobber(join(workDir, candidate), text, { mode: 0o644 })) return join(workDir, candidate);
      }
      throw new HpcRunError('E_MARKER_NAMES', `${workDir}: a thousand undelivered markers named ${name}; run train-monitor --once there`);
    } catch (error) {
      if (attempt >= RETRY_DELAYS_MS.length || error instanceof HpcRunError) throw error;
      // A vanished work dir does not come back in a second; only transient errors are worth the wait.
      if (errnoCode(error) === 'ENOENT' && attempt >= 1) throw error;
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAYS_MS[attempt]));
    }
  }
}

// Marker names a monitor holds claimed right now (`<name>.claim-…`): a marker must not be written under them either.
async function takenNames(workDir: string): Promise<Set<string>> {
  const names = await readdir(workDir).catch(() => [] as string[]);
  return new Set(names.map((n) => /^(\.train_complete.*\.json)\.claim-/.exec(n)?.[1]).filter((n): n is string => n !== undefined));
}
