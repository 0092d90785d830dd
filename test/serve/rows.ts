import type { RunRow } from '../../lib/ops/runs.js';

/** A status row with every field, for server tests that need no real run. */
export function makeRow(fields: Partial<RunRow> & Pick<RunRow, 'work_dir' | 'state'>): RunRow {
  return {
    run_id: null, job_id: null, host: 'node1', status: null, exit_code: null, command: 'python train.py', started_at: null, ended_at: null,
    elapsed_s: null, last_output_at: null, last_output_age_s: null, attempt: null, max_attempts: null, gpus: [], last_line: null,
    log_file: null, heartbeat_file: null, marker_file: null, delivery: null, stopped_by: null, stop_reason: null,
    ...fields,
  };
}
