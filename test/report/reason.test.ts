import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Marker } from '../../lib/common/marker.js';
import { parseMarker } from '../../lib/common/marker.js';
import { buildReport, splitTail } from '../../lib/report/build.js';
import { findErrorRegion } from '../../lib/report/excerpt.js';
import { buildReason } from '../../lib/report/reason.js';
import { renderReport } from '../../lib/report/render.js';
import { fitTitle, runName } from '../../lib/report/title.js';
import { makeTempDir } from '../helpers/run-bin.js';
import { makeMarker } from '../helpers/marker.js';
import { reportConfig } from '../helpers/report-config.js';

let tmp: { dir: string; cleanup: () => void };
beforeAll(() => {
  tmp = makeTempDir('hpc-run-reason-');
});
afterAll(() => tmp.cleanup());

const LOG = 'logs/train.log';
let count = 0;
// Builds the report of `marker` with a log of `lines` in a fresh work dir.
async function report(lines: string[], overrides: Partial<Marker> = {}, language: 'en' | 'zh' = 'en') {
  const work = join(tmp.dir, `w${count++}`);
  mkdirSync(join(work, 'logs'), { recursive: true });
  writeFileSync(join(work, LOG), `${lines.join('\n')}\n`);
  return buildReport(makeMarker({ log_file: LOG, work_dir: work, ...overrides }), { workDir: work, report: reportConfig({ language }) });
}
const reasonOf = async (lines: string[], overrides: Partial<Marker> = {}, language: 'en' | 'zh' = 'en') =>
  (await report(lines, overrides, language)).reason;

describe('the reason line', () => {
  test('the exception line of a traceback, even when the message spans lines', async () => {
    const lines = ['epoch 1', 'Traceback (most recent call last):', '  File "train.py", line 3, in <module>', '    main()',
      'RuntimeError: CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 79.15 GiB total capacity)', 'epoch 2 never came'];
    expect(await reasonOf(lines)).toBe('RuntimeError: CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 79.15 GiB total capacity)');
    const ranked = ['[rank1]: Traceback (most recent call last):', '[rank1]:   File "t.py", line 1', '[rank1]: ValueError: bad shape'];
    expect(await reasonOf(ranked)).toBe('ValueError: bad shape');
  });

  test('CUDA out of memory without a traceback, NCCL, and a generic error line: the line itself', async () => {
    expect(await reasonOf(['step 9', 'torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 20.00 MiB', 'bye']))
      .toBe('torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 20.00 MiB');
    expect(await reasonOf(['x', 'NCCL WARN Net : Connection closed by remote peer', 'y']))
      .toBe('NCCL WARN Net : Connection closed by remote peer');
    expect(await reasonOf(['loading', 'FileNotFoundError: data/train.bin', 'exit'])).toBe('FileNotFoundError: data/train.bin');
  });

  test('Slurm\'s time limit and cancellation, the OOM killer, segfaults: said in words, in both languages', async () => {
    const timeLimit = ['step 1', 'slurmstepd: error: *** JOB 77 ON gpu01 CANCELLED AT 2024-05-02T12:00:00 DUE TO TIME LIMIT ***'];
    expect(await reasonOf(timeLimit, { status: 'timeout', exit_code: null, signal: 'SIGTERM' }))
      .toBe('Slurm time limit reached (DUE TO TIME LIMIT)');
    expect(await reasonOf(timeLimit, { status: 'timeout' }, 'zh')).toBe('达到 Slurm 时间限制（DUE TO TIME LIMIT）');
    expect(await reasonOf(['step 1'], { status: 'timeout', signal: 'SIGTERM' })).toBe('the job reached its Slurm time limit');
    const cancelled = ['step', 'slurmstepd: error: *** STEP 78.0 ON gpu01 CANCELLED AT 2024-05-02T12:00:00 ***'];
    expect(await reasonOf(cancelled, { status: 'terminated', signal: 'SIGTERM' })).toBe('Slurm cancelled the job (CANCELLED)');
    expect(await reasonOf(['slurmstepd: error: Detected 1 oom_kill event in StepId=5.batch.']))
      .toBe('out of host memory: killed by the OOM killer');
    expect(await reasonOf(['/var/spool/slurmd/job5/slurm_script: line 4: 1234 Killed python train.py']))
      .toBe('killed (SIGKILL), often for running out of host memory');
    expect(await reasonOf(['Segmentation fault (core dumped)'], {}, 'zh')).toBe('段错误（SIGSEGV）');
  });

  test('no error in the log: the signal, else the exit code (127 and 126 in words)', async () => {
    expect(await reasonOf(['step 1'], { status: 'terminated', exit_code: 137, signal: 'SIGKILL' })).toBe('killed by SIGKILL');
    expect(await reasonOf(['step 1'], { status: 'terminated', exit_code: 143, signal: 'SIGTERM' }, 'zh')).toBe('被 SIGTERM 信号停止');
    // Stopped from outside: the signal, not an unrelated error line printed earlier.
    expect(await reasonOf(['WARNING ValueError: ignored', 'step 2'], { status: 'terminated', exit_code: 143, signal: 'SIGTERM' }))
      .toBe('stopped by SIGTERM');
    expect(await reasonOf(['step 1'], { exit_code: 3 })).toBe('exit code 3');
    expect(await reasonOf(['step 1'], { exit_code: 3 }, 'zh')).toBe('退出码 3');
    expect(await reasonOf(['sh: 1: trian.py: not found'], { exit_code: 127 })).toBe('command not found (exit code 127)');
    expect(await reasonOf(['done'], { status: 'success', exit_code: 0 })).toBeNull();
  });

  test('lost runs: the scheduler\'s state in words, else that the heartbeat stopped', () => {
    const lost = (state: string | null) => makeMarker({ status: 'lost', exit_code: null, scheduler_state: state });
    expect(buildReason(lost('NODE_FAIL'), null, 'en')).toBe('node failure (NODE_FAIL)');
    expect(buildReason(lost('NODE_FAIL'), null, 'zh')).toBe('节点故障（NODE_FAIL）');
    expect(buildReason(lost('CANCELLED by 1000'), null, 'en')).toBe('cancelled (CANCELLED by 1000)');
    expect(buildReason(lost('DEADLINE'), null, 'en')).toBe('Slurm state (DEADLINE)');
    expect(buildReason(lost(null), null, 'en')).toBe('the heartbeat stopped and no completion marker was written');
    const region = findErrorRegion(['Traceback (most recent call last):', '  File "a.py"', 'KeyError: 3']);
    expect(buildReason(lost(null), region, 'zh')).toBe('KeyError: 3');
  });

  test('the reason is the first line of every format, right under the title', async () => {
    const built = await report(['Traceback (most recent call last):', '  File "a.py"', 'KeyError: *x*']);
    expect(renderReport(built, 'text').body.split('\n')[0]).toBe('KeyError: *x*');
    expect(renderReport(built, 'markdown').body.split('\n')[0]).toBe('**KeyError: \\*x\\***');
    expect(renderReport(built, 'markdown-lite').body.split('\n')[0]).toBe('**KeyError: ∗x∗**');
    expect(renderReport(built, 'html').body.split('\n')[0]).toBe('<b>KeyError: *x*</b>');
  });
});

describe('the tail does not repeat the excerpt', () => {
  const lines = ['a', 'b', 'Traceback (most recent call last):', '  File "x.py"', 'KeyError: 1', 'c', 'd'];
  const region = findErrorRegion(lines);

  test('a tail reaching into the excerpt starts after it; the traceback keeps the two tail lines before it', () => {
    expect(splitTail(lines, 50, region)).toEqual({ logTail: ['c', 'd'], errorExcerpt: lines.slice(0, 5), tailAfterError: true });
    expect(splitTail(lines, 6, region)).toEqual({ logTail: ['c', 'd'], errorExcerpt: lines.slice(1, 5), tailAfterError: true });
    expect(splitTail(lines, 3, region)).toEqual({ logTail: ['c', 'd'], errorExcerpt: lines.slice(2, 5), tailAfterError: true });
    // Other regions carry their own context lines already.
    const oom = ['a', 'b', 'c', 'torch.OutOfMemoryError: CUDA out of memory.', 'd'];
    expect(splitTail(oom, 50, findErrorRegion(oom))).toEqual({ logTail: [], errorExcerpt: oom.slice(2), tailAfterError: true });
  });

  test('a tail below the excerpt stays whole; an excerpt at the very end leaves no tail', () => {
    expect(splitTail(lines, 2, region)).toEqual({ logTail: ['c', 'd'], errorExcerpt: lines.slice(2, 5), tailAfterError: false });
    const atEnd = lines.slice(0, 5);
    expect(splitTail(atEnd, 50, findErrorRegion(atEnd))).toEqual({ logTail: [], errorExcerpt: atEnd, tailAfterError: true });
    expect(splitTail(['a', 'b'], 50, null)).toEqual({ logTail: ['a', 'b'], errorExcerpt: [], tailAfterError: false });
  });

  test('rendered: every log line appears once, under a heading that says the tail follows the error', async () => {
    const built = await report(lines);
    for (const [language, heading] of [['en', 'The log after the error, last 2 lines:'], ['zh', '错误之后的日志（最后 2 行）：']] as const) {
      const body = renderReport({ ...built, ...(language === 'zh' ? await report(lines, {}, 'zh') : {}) }, 'text').body;
      expect(body).toContain(heading);
      for (const line of ['Traceback (most recent call last):', '  File "x.py"', 'a', 'c', 'd']) {
        expect([line, body.split('\n').filter((l) => l === line).length]).toEqual([line, 1]);
      }
    }
  });
});

describe('titles', () => {
  test('the run name: Slurm job name, else run id, else the work dir\'s name; never the command', () => {
    expect(runName(makeMarker())).toBe('bert');
    expect(runName(makeMarker({ slurm: null }))).toBe('123450_7');
    expect(runName(makeMarker({ slurm: null, run_id: null, work_dir: '/scratch/a/bert-large/' }))).toBe('bert-large');
    const old = parseMarker('{"timestamp":"t","status":"failed","exit_code":1,"log_file":null}', 'f');
    expect(runName(old, '/home/a/runs/gpt2')).toBe('gpt2');
  });

  test('a short title spends its characters on status and run name', async () => {
    const named = (name: string, status: Marker['status'] = 'failed') =>
      report(['x'], {
        status,
        slurm: { job_id: '9', array_job_id: null, array_task_id: null, job_name: name, partition: null, nodelist: null, restart_count: 0 },
        command: 'python -c "print(\'a very long command\')"',
      });
    expect(renderReport(await named('bert-large', 'success'), 'text', { maxTitleChars: 30 }).title).toBe('✅ success · bert-large');
    expect(renderReport(await named('bert'), 'text', { maxTitleChars: 28 }).title).toBe('❌ failed · bert · 123450_7');
    expect(renderReport(await named('bert-large'), 'text', { maxTitleChars: 20 }).title).toBe('❌ failed · bert-lar…');
    expect(fitTitle(['⚠️ terminated', 'a-long-run-name'], 20)).toBe('⚠️ terminated · a-l…');
    expect(fitTitle(['⚠️ terminated', 'x'], 14)).toBe('⚠️ terminated');
    expect(fitTitle(['🔔 test message', 'hpc-run'], 20)).toBe('🔔 test message');
  });
});
