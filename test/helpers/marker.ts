import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Marker } from '../../lib/common/marker.js';

/**
 * A complete marker as the wrapper writes it: by default task 7 of Slurm array job 123450 (job 123457, `bert`) that
 * failed with exit code 1 after about an hour on one H100. Override what a test needs.
 */
export function makeMarker(overrides: Partial<Marker> = {}): Marker {
  return {
    timestamp: '2024-05-02 12:34:56',
    status: 'failed',
    exit_code: 1,
    log_file: 'logs/train_20240502_113450_123450_7.log',
    schema: 1,
    signal: null,
    run_id: '123450_7',
    command: 'python train.py --epochs 100',
    work_dir: '/nonexistent/work',
    host: 'gpu042',
    user: 'alice',
    pid: 4242,
    started_at: '2024-05-02T11:34:50+08:00',
    ended_at: '2024-05-02T12:34:56+08:00',
    duration_s: 3606.2,
    slurm: {
      job_id: '123457', array_job_id: '123450', array_task_id: '7', job_name: 'bert',
      partition: 'gpu', nodelist: 'gpu042', restart_count: 0,
    },
    gpus: [{ index: 0, name: 'NVIDIA H100 80GB HBM3', memory_total_mib: 81559, peak_memory_used_mib: 70211, mean_utilization_pct: 93.4 }],
    wrapper_version: '0.1.0',
    ...overrides,
  };
}

/**
 * The overrides for a run outside Slurm, without GPUs, that succeeded in `workDir` as `runId`, its log under logs/
 * named by the run id: `makeMarker({ ...localRun(dir, id), ...overrides })`.
 */
export function localRun(workDir: string, runId: string | null): Partial<Marker> {
  return {
    status: 'success',
    exit_code: 0,
    log_file: runId ? `logs/train_20240502_113450_${runId}.log` : 'logs/train_20240502_113450.log',
    run_id: runId,
    command: 'python train.py --epochs 3',
    work_dir: workDir,
    slurm: null,
    gpus: [],
  };
}

/**
 * Writes a marker where the wrapper does (`.train_complete[.<run id>].json` in `dir`, the name by `runId`) and, when
 * its log_file is a relative path inside `dir`, that log with the text `log`; returns the marker's path.
 */
export function writeMarker(dir: string, runId: string | null, marker: Marker, log: string): string {
  if (marker.log_file && !marker.log_file.startsWith('/') && !marker.log_file.includes('..')) {
    mkdirSync(join(dir, 'logs'), { recursive: true });
    writeFileSync(join(dir, marker.log_file), log);
  }
  const path = join(dir, runId ? `.train_complete.${runId}.json` : '.train_complete.json');
  writeFileSync(path, JSON.stringify(marker, null, 2));
  return path;
}
