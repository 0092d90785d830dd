import type { Marker } from '../../lib/common/marker.js';
import { SEVERITY } from '../../lib/common/marker.js';
import type { Report } from '../../lib/report/types.js';

/** A complete marker of a failed Slurm array task; override any field. */
export function makeMarker(overrides: Partial<Marker> = {}): Marker {
  return {
    timestamp: '2024-01-01 12:34:56',
    status: 'failed',
    exit_code: 1,
    log_file: 'logs/train_20240101_113450_123456_7.log',
    schema: 1,
    signal: null,
    run_id: '123456_7',
    command: 'python train.py --epochs 100',
    work_dir: '/scratch/alice/bert',
    host: 'gpu042',
    user: 'alice',
    pid: 4242,
    started_at: '2024-01-01T11:34:50+08:00',
    ended_at: '2024-01-01T12:34:56+08:00',
    duration_s: 3606.2,
    slurm: {
      job_id: '123456', array_job_id: '123450', array_task_id: '7', job_name: 'bert',
      partition: 'gpu', nodelist: 'gpu042', restart_count: 0,
    },
    gpus: [{ index: 0, name: 'NVIDIA H100 80GB HBM3', memory_total_mib: 81559, peak_memory_used_mib: 70211, mean_utilization_pct: 93 }],
    wrapper_version: '0.1.0',
    ...overrides,
  };
}

/** A report as the report builder hands it to channels; override any field (status also sets severity). */
export function makeReport(overrides: Partial<Report> = {}): Report {
  const marker = overrides.marker ?? makeMarker(overrides.status && overrides.status !== 'attempt_failed' ? { status: overrides.status as Marker['status'] } : {});
  const status = overrides.status ?? marker.status;
  return {
    status,
    severity: status === 'attempt_failed' ? 'info' : SEVERITY[status],
    language: 'en',
    title: `❌ ${status} · bert · 123456_7`,
    titleParts: [`❌ ${status}`, 'bert', '123456_7'],
    reason: status === 'success' ? null : 'RuntimeError: CUDA out of memory <&>',
    summary: [
      ['Exit code', String(marker.exit_code)],
      ['Host', marker.host ?? ''],
      ['Duration', '1h 00m 06s'],
      ['Slurm job', '123456 (gpu)'],
      ['GPU', 'NVIDIA H100 80GB HBM3: peak 70211/81559 MiB, 93%'],
    ],
    errorExcerpt: ['Traceback (most recent call last):', '  File "train.py", line 3, in <module>', 'RuntimeError: CUDA out of memory <&>'],
    logTail: ['epoch 1 loss 0.9', 'epoch 2 loss 0.5', 'RuntimeError: CUDA out of memory <&>'],
    logNote: null,
    marker,
    ...overrides,
  };
}

/** The last line of {@link hugeLogTail}: every channel must still show it. */
export const LAST_LINE = 'FINAL-LINE 训练结束 exit=1';

/** A long, wide log tail full of Chinese text and long lines, ending with {@link LAST_LINE}. */
export function hugeLogTail(lines = 100_000): string[] {
  const tail: string[] = [];
  for (let i = 0; i < lines - 1; i++) {
    tail.push(i % 10 === 0 ? `第${i}步 损失=0.${i % 97} ${'长行'.repeat(120)} <tag> & 😀` : `step ${i} 训练中 loss=${(i % 13) / 10}`);
  }
  tail.push(LAST_LINE);
  return tail;
}

/** A report whose log tail alone is far over every channel's limit. */
export function makeHugeReport(): Report {
  return makeReport({ logTail: hugeLogTail(), errorExcerpt: hugeLogTail(40).slice(0, 30) });
}
