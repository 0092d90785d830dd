import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildReport } from '../../lib/report/build.js';
import { parseMarker, type Marker } from '../../lib/common/marker.js';
import type { ReportConfig } from '../../lib/config/types.js';
import { makeTempDir } from '../helpers/run-bin.js';
import { makeMarker } from '../helpers/marker.js';
import { reportConfig } from '../helpers/report-config.js';

let tmp: { dir: string; cleanup: () => void };
const LOG = 'logs/train.log';
const pair = (summary: Array<[string, string]>, label: string) => summary.find(([l]) => l === label)?.[1];

beforeAll(() => {
  tmp = makeTempDir('hpc-run-build-');
});
afterAll(() => tmp.cleanup());

// A fresh work dir holding one log with the given lines.
function workWithLog(name: string, lines: string[] | string): string {
  const work = join(tmp.dir, name);
  mkdirSync(join(work, 'logs'), { recursive: true });
  writeFileSync(join(work, LOG), typeof lines === 'string' ? lines : `${lines.join('\n')}\n`);
  return work;
}

// buildReport of makeMarker(overrides) read in `work`, with the report config's defaults but for `config`.
const build = (work: string, overrides: Partial<Marker>, config: Partial<ReportConfig> = {}) =>
  buildReport(makeMarker(overrides), { workDir: work, report: reportConfig(config) });

const steps = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `\x1b[32mstep ${from + i}\x1b[0m loss 0.5`);

describe('buildReport', () => {
  test('a failed run: compact title, summary, traceback excerpt, cleaned last 50 lines', async () => {
    const traceback = [
      'Traceback (most recent call last):', '  File "train.py", line 9, in <module>', '    step()',
      'RuntimeError: CUDA error: an illegal memory access was encountered',
    ];
    const work = workWithLog('failed', [...steps(0, 200), ...traceback, ...steps(200, 230)]);
    const marker = makeMarker({ log_file: LOG, work_dir: work });
    const report = await buildReport(marker, { workDir: work, report: reportConfig() });
    expect(report.status).toBe('failed');
    expect(report.severity).toBe('error');
    expect(report.title).toBe('❌ failed · bert · 123450_7 · gpu042 · 1h 00m 06s');
    // The excerpt keeps the two steps before the traceback, which the tail no longer shows.
    expect(report.errorExcerpt).toEqual(['step 198 loss 0.5', 'step 199 loss 0.5', ...traceback]);
    expect(report.reason).toBe('RuntimeError: CUDA error: an illegal memory access was encountered');
    // The traceback lies inside the last 50 lines: the tail starts after it instead of repeating it.
    expect(report.tailAfterError).toBe(true);
    expect(report.logTail).toEqual(Array.from({ length: 30 }, (_, i) => `step ${200 + i} loss 0.5`));
    expect(report.logTail.join('\n')).not.toContain('\x1b');
    expect(report.logNote).toBeNull();
    expect(pair(report.summary, 'Exit code')).toBe('1');
    expect(pair(report.summary, 'Host')).toBe('gpu042');
    expect(pair(report.summary, 'Slurm job')).toBe('123457 (array 123450_7)');
    expect(pair(report.summary, 'Partition')).toBe('gpu');
    expect(pair(report.summary, 'GPU 0')).toBe('H100 peak 70211/81559 MiB, mean 93%');
    expect(pair(report.summary, 'Started')).toBe('2024-05-02 11:34:50 +08:00');
    expect(pair(report.summary, 'Duration')).toBe('1h 00m 06s');
    expect(report.marker).toBe(marker);
  });

  test('an error far above the last lines is still found (the scan reads more than the tail)', async () => {
    const timeLimit = 'slurmstepd: error: *** JOB 9 ON gpu001 CANCELLED AT 2024-05-02T12:00:00 DUE TO TIME LIMIT ***';
    const work = workWithLog('far', [...steps(0, 10), timeLimit, ...steps(10, 600)]);
    const report = await build(work, { status: 'timeout', log_file: LOG, work_dir: work });
    expect(report.errorExcerpt.join('\n')).toContain('DUE TO TIME LIMIT');
    expect(report.logTail).toHaveLength(50);
    expect(report.severity).toBe('warning');
  });

  test('a success has no excerpt, even with a handled traceback in its log', async () => {
    const work = workWithLog('ok', ['Traceback (most recent call last):', '  File "x.py"', 'KeyError: 1', 'recovered', 'done']);
    const marker: Partial<Marker> = { status: 'success', exit_code: 0, log_file: LOG, slurm: null, gpus: [] };
    const report = await build(work, marker, { include_last_n_lines: 2 });
    expect(report.errorExcerpt).toEqual([]);
    expect(report.logTail).toEqual(['recovered', 'done']);
    expect(report.title).toBe('✅ success · 123450_7 · gpu042 · 1h 00m 06s');
    expect(report.reason).toBeNull();
    expect(report.severity).toBe('info');
  });

  test('a lost run carries the scheduler state; a terminated one its signal', async () => {
    const work = workWithLog('lost', ['step 1']);
    const lost = await build(work, {
      status: 'lost', exit_code: null, log_file: LOG, scheduler_state: 'OUT_OF_MEMORY', scheduler_note: 'from sacct',
    });
    expect(lost.severity).toBe('critical');
    expect(lost.title.startsWith('💀 lost')).toBe(true);
    expect(pair(lost.summary, 'Scheduler state')).toBe('OUT_OF_MEMORY');
    expect(pair(lost.summary, 'Scheduler note')).toBe('from sacct');
    expect(pair(lost.summary, 'Exit code')).toBeUndefined();
    expect(lost.reason).toBe('out of memory (OUT_OF_MEMORY)');
    const term = await build(work, { status: 'terminated', exit_code: 143, signal: 'SIGTERM', log_file: LOG }, { language: 'zh' });
    expect(term.title).toBe('⚠️ 被终止 · bert · 123450_7 · gpu042 · 1小时00分06秒');
    expect(pair(term.summary, '信号')).toBe('SIGTERM');
    expect(pair(term.summary, '退出码')).toBe('143');
    expect(term.reason).toBe('被 SIGTERM 信号停止');
  });

  test('restart count, many GPUs in one line, the seed\'s minimal marker', async () => {
    const work = workWithLog('misc', ['x']);
    const gpus = Array.from({ length: 8 }, (_, i) => ({
      index: i, name: 'NVIDIA A100-SXM4-80GB', memory_total_mib: 81920, peak_memory_used_mib: 60000 + i, mean_utilization_pct: 80 + i,
    }));
    const marker = makeMarker({
      log_file: LOG,
      gpus,
      slurm: {
        job_id: '5', array_job_id: null, array_task_id: null, job_name: null, partition: null, nodelist: 'gpu[01-02]', restart_count: 2,
      },
    });
    const report = await buildReport(marker, { workDir: work, report: reportConfig() });
    expect(pair(report.summary, 'GPUs')).toBe('8× A100-SXM4-80GB, highest peak 60007/81920 MiB, mean 84%');
    expect(pair(report.summary, 'Restarts')).toBe('2');
    expect(pair(report.summary, 'Slurm job')).toBe('5');
    // The seed's four fields only: what it lacks is unknown, left out, never `0s` or an empty host.
    const seed = parseMarker(
      JSON.stringify({ timestamp: '2024-01-01 12:34:56', status: 'success', exit_code: 0, log_file: LOG }),
      'm.json',
    );
    const minimal = await buildReport(seed, { workDir: work, report: reportConfig() });
    expect(minimal.title).toBe('✅ success · misc');
    expect(minimal.summary.map(([label]) => label)).toEqual(['Status', 'Exit code', 'Ended', 'Log file']);
    expect(pair(minimal.summary, 'Ended')).toBe('2024-01-01 12:34:56');
    expect(minimal.logTail).toEqual(['x'])
  });

  test('empty and missing logs give a note; include_last_n_lines 0 gives no tail; long lines are shortened', async () => {
    const empty = workWithLog('empty', '');
    expect((await build(empty, { log_file: LOG })).logNote).toBe('The log file logs/train.log is empty.');
    expect((await build(empty, { log_file: 'logs/gone.log' })).logNote).toBe('The log file logs/gone.log was not found.');
    expect((await build(empty, { log_file: null }, { language: 'zh' })).logNote).toBe('本次运行没有记录日志文件。');
    const long = workWithLog('long', ['y'.repeat(5000), 'Error: z']);
    const none = await build(long, { log_file: LOG }, { include_last_n_lines: 0, max_line_length: 100 });
    expect(none.logTail).toEqual([]);
    expect(none.errorExcerpt).toEqual(['y'.repeat(50) + '…' + 'y'.repeat(49), 'Error: z']);
  });
});
