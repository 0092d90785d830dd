import { SEVERITY, type Marker } from '../../lib/common/marker.js';
import type { Report } from '../../lib/report/types.js';
import { makeMarker } from '../helpers/marker.js';

/** A report as the report builder hands it to channels; override any field (status also sets severity). */
export function makeReport(overrides: Partial<Report> = {}): Report {
  const runStatus = overrides.status && overrides.status !== 'attempt_failed' ? { status: overrides.status as Marker['status'] } : {};
  const marker = overrides.marker ?? makeMarker(runStatus);
  const status = overrides.status ?? marker.status;
  return {
    status,
    severity: status === 'attempt_failed' ? 'info' : SEVERITY[status],
    language: 'en',
    title: `❌ ${status} · bert · ${marker.run_id}`,
    titleParts: [`❌ ${status}`, 'bert', marker.run_id ?? ''],
    reason: status === 'success' ? null : 'RuntimeError: CUDA out of memory <&>',
    summary: [
      ['Exit code', String(marker.exit_code)],
      ['Host', marker.host ?? ''],
      ['Duration', '1h 00m 06s'],
      ['Slurm job', `${marker.slurm?.job_id} (gpu)`],
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
