import type { Marker } from '../../lib/common/marker.js';
import type { ReportConfig } from '../../lib/config/types.js';

/** A complete marker as the wrapper writes it inside a Slurm array task; override what a test needs. */
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
    slurm: { job_id: '123457', array_job_id: '123450', array_task_id: '7', job_name: 'bert', partition: 'gpu', nodelist: 'gpu042', restart_count: 0 },
    gpus: [{ index: 0, name: 'NVIDIA H100 80GB HBM3', memory_total_mib: 81559, peak_memory_used_mib: 70211, mean_utilization_pct: 93.4 }],
    wrapper_version: '0.1.0',
    ...overrides,
  };
}

export function reportConfig(overrides: Partial<ReportConfig> = {}): ReportConfig {
  return { include_last_n_lines: 50, language: 'en', max_line_length: 500, ...overrides };
}
