import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Marker, RunStatus } from '../../lib/common/marker.js';
import { buildSampleReport } from '../../lib/doctor/sample-report.js';
import { buildReport } from '../../lib/report/build.js';
import { buildDigestReport } from '../../lib/report/digest.js';
import { MESSAGES } from '../../lib/report/i18n.js';
import { escapeHtml, escapeMarkdown, plainLite, renderReport } from '../../lib/report/render.js';
import type { RenderFormat, Report } from '../../lib/report/types.js';
import { makeTempDir } from '../helpers/run-bin.js';
import { makeMarker } from '../helpers/marker.js';
import { reportConfig } from '../helpers/report-config.js';

// A report in Chinese is Chinese throughout: no English word of ours (the `en` message table) may show in it.
// What comes from the run itself (log lines, command, paths, host) and proper nouns or commands may.

const FORMATS: RenderFormat[] = ['text', 'markdown', 'markdown-lite', 'html'];
/** Proper nouns and commands a Chinese report names as they are. */
const PROPER = ['train-monitor test', 'hpc-run', 'scontrol show job', 'Slurm', 'squeue', 'sacct', 'scontrol', 'MinJobAge', 'MiB'];

// Every English word of the message table, placeholders left out.
const EN_WORDS = new Set(
  Object.values(MESSAGES.en)
    .flatMap((text) => text.replace(/\{\w+\}/g, ' ').match(/[A-Za-z]*[a-z][A-Za-z]*/g) ?? [])
    .map((w) => w.toLowerCase()),
);

let tmp: { dir: string; cleanup: () => void };
beforeAll(() => {
  tmp = makeTempDir('hpc-run-language-');
});
afterAll(() => tmp.cleanup());

const LOG = 'logs/train.log';
let n = 0;
function workDir(lines: string[] | null): string {
  const work = join(tmp.dir, `w${n++}`);
  mkdirSync(join(work, 'logs'), { recursive: true });
  if (lines) writeFileSync(join(work, LOG), `${lines.join('\n')}\n`);
  return work;
}

const TRACEBACK = ['第 1 步 损失 0.9', 'Traceback (most recent call last):', '  File "训练.py", line 3, in <module>', 'ValueError: 数据错误', '清理中'];

// One marker per case the report can be in: every status, the lost notes the monitor writes, log problems.
const CASES: Array<[string, Partial<Marker>, string[] | null]> = [
  ['success', { status: 'success', exit_code: 0 }, ['第 1 步', '完成']],
  ['failed: traceback', { status: 'failed' }, TRACEBACK],
  ['failed: exit code', { status: 'failed', exit_code: 3 }, ['第 1 步']],
  ['failed: not found', { status: 'failed', exit_code: 127 }, ['第 1 步']],
  ['failed: segfault', { status: 'failed', exit_code: 139, signal: 'SIGSEGV' }, ['Segmentation fault (core dumped)']],
  ['terminated: SIGTERM', { status: 'terminated', exit_code: 143, signal: 'SIGTERM' }, ['第 1 步']],
  ['terminated: SIGKILL', { status: 'terminated', exit_code: 137, signal: 'SIGKILL' }, ['第 1 步']],
  ['terminated: cancelled', { status: 'terminated', signal: 'SIGTERM' },
    ['slurmstepd: error: *** JOB 5 ON n1 CANCELLED AT 2024-05-02T12:00:00 ***']],
  ['timeout: time limit', { status: 'timeout', signal: 'SIGTERM' },
    ['slurmstepd: error: *** JOB 5 ON n1 CANCELLED AT 2024-05-02T12:00:00 DUE TO TIME LIMIT ***']],
  ['timeout: no log line', { status: 'timeout', signal: 'SIGTERM' }, ['第 1 步']],
  ['oom killer', { status: 'failed', exit_code: 137 }, ['slurmstepd: error: Detected 1 oom_kill event in StepId=5.batch.']],
  ['killed', { status: 'failed', exit_code: 137 }, ['/var/spool/slurmd/job5/slurm_script: line 4: 1234 Killed python3']],
  ['lost: not Slurm', { status: 'lost', exit_code: null, slurm: null, scheduler_state: null,
    scheduler_note: 'not a Slurm job; the heartbeat stopped' }, ['第 1 步']],
  ['lost: recovered', { status: 'lost', exit_code: null, scheduler_state: null,
    scheduler_note: 'the heartbeat stopped; an earlier monitor declared the run lost and stopped before writing its marker' }, null],
  ['lost: NODE_FAIL', { status: 'lost', exit_code: null, scheduler_state: 'NODE_FAIL',
    scheduler_note: 'Slurm says job 123457 is NODE_FAIL, reason None, exit 0:0 (state from sacct)' }, ['第 1 步']],
  ['lost: unknown job', { status: 'lost', exit_code: null, scheduler_state: null,
    scheduler_note: 'job 123457 is unknown to the scheduler (state from sacct and scontrol show job; ' +
      'unknown to the scheduler (ended longer ago than MinJobAge?): 123457)' }, ['第 1 步']],
  ['lost: not asked', { status: 'lost', exit_code: null, scheduler_state: null,
    scheduler_note: 'the scheduler could not be asked: Slurm commands not found (squeue)' }, ['第 1 步']],
  ['lost: sacct off', { status: 'lost', exit_code: null, scheduler_state: 'TIMEOUT',
    scheduler_note: 'Slurm says job 123457 is TIMEOUT (sacct unavailable (no accounting storage); ' +
      'state from scontrol show job)' }, ['第 1 步']],
  ['missing log', { status: 'failed', log_file: 'logs/gone.log' }, null],
  ['empty log', { status: 'failed' }, []],
];

// The text of a report with what came from the run (log lines, marker values) and proper nouns taken out.
function ours(text: string, report: Report): string {
  const m = report.marker;
  const values = [...report.logTail, ...report.errorExcerpt, report.reason ?? '', m.command, m.work_dir, m.log_file ?? '',
    m.host ?? '', m.user ?? '', m.run_id ?? '', m.slurm?.job_name ?? '', m.slurm?.partition ?? '', m.slurm?.nodelist ?? '',
    m.signal ?? '', m.timestamp, ...PROPER]
    .filter((v) => v.trim() !== '')
    .sort((a, b) => b.length - a.length);
  let rest = text;
  for (const value of values) {
    for (const form of new Set([value, escapeMarkdown(value), plainLite(value), escapeHtml(value)])) rest = rest.split(form).join(' ');
  }
  return rest.replace(/<\/?(b|i|pre|font)[^>]*>/g, ' ');
}

// English words of ours in a rendered report.
function englishIn(report: Report): string[] {
  const found = new Set<string>();
  for (const format of FORMATS) {
    for (const limits of [{}, { maxChars: 400 }]) {
      const { title, body } = renderReport(report, format, limits);
      for (const word of ours(`${title}\n${body}`, report).match(/[A-Za-z]*[a-z][A-Za-z]*/g) ?? []) {
        if (EN_WORDS.has(word.toLowerCase())) found.add(word);
      }
    }
  }
  return [...found].sort();
}

async function build(language: 'en' | 'zh', overrides: Partial<Marker>, lines: string[] | null): Promise<Report> {
  const work = workDir(lines);
  const marker = makeMarker({ log_file: LOG, work_dir: work, command: 'python3 训练.py', ...overrides });
  return buildReport(marker, { workDir: work, report: reportConfig({ language }) });
}

describe('a Chinese report has no English words of ours', () => {
  test('the check can fail: the English table has many words, and English reports show them', async () => {
    expect(EN_WORDS.size).toBeGreaterThan(100);
    const english = await build('en', CASES[1][1], CASES[1][2]);
    expect(englishIn(english).length).toBeGreaterThan(10);
  });

  test.each(CASES)('%s', async (_name, overrides, lines) => {
    const report = await build('zh', overrides, lines);
    expect(englishIn(report)).toEqual([]);
  });

  test('every status as an array digest', async () => {
    const work = workDir(TRACEBACK);
    const statuses: RunStatus[] = ['success', 'failed', 'terminated', 'timeout', 'lost'];
    const items = statuses.map((status, task) => ({
      workDir: work,
      marker: makeMarker({ status, run_id: `123450_${task}`, log_file: LOG, work_dir: work, command: 'python3 训练.py',
        slurm: {
          job_id: String(123451 + task), array_job_id: '123450', array_task_id: String(task), job_name: '扫参',
          partition: 'gpu', nodelist: 'n1', restart_count: 0,
        } }),
    }));
    const digest = await buildDigestReport(items, { report: reportConfig({ language: 'zh' }) });
    expect(englishIn(digest)).toEqual([]);
  });

  test('the test message', async () => {
    const sample = await buildSampleReport(reportConfig({ language: 'zh' }));
    expect(englishIn(sample)).toEqual([]);
  });
});
