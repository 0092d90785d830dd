import type { Heartbeat, Marker } from '../common/marker.js';
import { MAX_COMMAND_CHARS, capText } from '../common/marker-schema.js';
import { isoLocal, seedTimestamp } from '../common/paths.js';
import { VERSION } from '../common/version.js';
import { createNoClobber } from '../common/no-clobber.js';

/** The scheduler's word on a silent run, carried into its `lost` marker. */
export interface SchedulerView {
  state: string | null;
  note: string;
}

/** A `lost` marker from the run's last heartbeat: ended at its last update, no exit code. */
export function buildLostMarker(heartbeat: Heartbeat, workDir: string, scheduler: SchedulerView, nowMs: number): Marker {
  const started = Date.parse(heartbeat.started_at);
  const updated = Date.parse(heartbeat.updated_at);
  const duration = Number.isFinite(started) && Number.isFinite(updated) ? Math.max(0, (updated - started) / 1000) : 0;
  return {
    timestamp: seedTimestamp(new Date(nowMs)),
    status: 'lost',
    exit_code: null,
    log_file: typeof heartbeat.log_file === 'string' ? heartbeat.log_file : null,
    schema: 1,
    signal: null,
    run_id: heartbeat.run_id ?? null,
    command: capText(String(heartbeat.command ?? ''), MAX_COMMAND_CHARS),
    work_dir: workDir,
    host: String(heartbeat.host ?? ''),
    user: String(heartbeat.user ?? ''),
    pid: Number(heartbeat.pid) || 0,
    started_at: String(heartbeat.started_at ?? ''),
    ended_at: typeof heartbeat.updated_at === 'string' ? heartbeat.updated_at : isoLocal(new Date(nowMs)),
    duration_s: Math.round(duration * 10) / 10,
    slurm: heartbeat.slurm ?? null,
    gpus: [],
    wrapper_version: VERSION,
    scheduler_state: scheduler.state,
    scheduler_note: scheduler.note,
  };
}

/**
 * Writes the `lost` marker atomically without ever replacing a marker the wrapper wrote meanwhile (temp file
 * atomically (temp file and rename), then a no-clobber link). Returns false when a real marker was already there.
 */
export async function writeLostMarker(markerPath: string, marker: Marker): Promise<boolean> {
  return createNoClobber(markerPath, `${JSON.stringify(marker, null, 2)}\n`, { mode: 0o644 });
}
