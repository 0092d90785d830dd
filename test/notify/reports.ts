import { SEVERITY, type Marker, type RunStatus } from '../../lib/common/marker.js';
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

const ICON: Record<RunStatus, string> = { success: '✅', failed: '❌', terminated: '🛑', timeout: '⏰', lost: '🚨' };

/** A report as buildReport makes it, with `lines` log lines (the last one is `LAST LINE <n>`). */
export function makeLogReport(
  options: { status?: RunStatus; lines?: number; lineText?: (i: number) => string; language?: 'en' | 'zh' } = {},
): Report {
  const status = options.status ?? 'success';
  const count = options.lines ?? 5;
  const text = options.lineText ?? ((i: number) => `step ${i} loss=${(1 / (i + 1)).toFixed(4)}`);
  const logTail = Array.from({ length: count }, (_, i) => (i === count - 1 ? `LAST LINE ${i}` : text(i)));
  const marker = makeMarker({ status, exit_code: status === 'success' ? 0 : 1 });
  return {
    status,
    severity: SEVERITY[status],
    language: options.language ?? 'en',
    title: `${ICON[status]} ${status} · bert · ${marker.run_id}`,
    titleParts: [`${ICON[status]} ${status}`, 'bert', marker.run_id ?? ''],
    reason: status === 'success' ? null : 'RuntimeError: CUDA out of memory.',
    summary: [
      ['Exit code', String(marker.exit_code)],
      ['Host', 'gpu042'],
      ['Duration', '1h 00m 06s'],
      ['Slurm job', `${marker.slurm?.job_id} (gpu)`],
    ],
    errorExcerpt: status === 'success' ? [] : ['Traceback (most recent call last):', 'RuntimeError: CUDA out of memory.'],
    logTail,
    logNote: null,
    marker,
  };
}

/** A huge report: 2,000 long lines of Chinese text (each ~1,500 bytes), so every limit must cut it. */
export function makeHugeLogReport(status: RunStatus = 'failed'): Report {
  return makeLogReport({
    status,
    lines: 2000,
    language: 'zh',
    lineText: (i) => `第${i}步 训练损失下降，显存占用正常，数据加载器工作中。`.repeat(20),
  });
}

/** Both huge reports channels are tried with: name, builder, the last log line that must survive the cut. */
export const HUGE_REPORTS: Array<[string, () => Report, string]> = [
  ['2,000 long Chinese lines', () => makeHugeLogReport(), 'LAST LINE 1999'],
  ['a 100,000-line Chinese log', () => makeHugeReport(), LAST_LINE],
];
