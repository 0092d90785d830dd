import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildDigestReport, taskIdOf } from '../../lib/report/digest.js';
import { renderReport } from '../../lib/report/render.js';
import type { Marker, RunStatus } from '../../lib/common/marker.js';
import { makeTempDir } from '../helpers/run-bin.js';
import { makeMarker } from '../helpers/marker.js';
import { reportConfig } from '../helpers/report-config.js';

let tmp: { dir: string; cleanup: () => void };
beforeAll(() => {
  tmp = makeTempDir('hpc-run-digest-');
});
afterAll(() => tmp.cleanup());

// Ten tasks of array 123450 in one work dir, each with its own log and the given status.
function arrayTasks(statuses: Record<number, RunStatus>): Array<{ marker: Marker; workDir: string }> {
  const work = join(tmp.dir, `array-${Object.values(statuses).join('-')}`);
  mkdirSync(join(work, 'logs'), { recursive: true });
  const items = [];
  for (let task = 9; task >= 0; task--) {
    const status = statuses[task] ?? 'success';
    const log = `logs/train_123450_${task}.log`;
    const tail = status === 'success'
      ? ['done']
      : ['Traceback (most recent call last):', '  File "t.py", line 1', `ValueError: task ${task} broke`];
    writeFileSync(join(work, log), `${Array.from({ length: 80 }, (_, i) => `task ${task} step ${i}`).join('\n')}\n${tail.join('\n')}\n`);
    items.push({
      workDir: work,
      marker: makeMarker({ status, exit_code: status === 'success' ? 0 : 1, run_id: `123450_${task}`, log_file: log, work_dir: work,
        slurm: {
          job_id: String(123451 + task), array_job_id: '123450', array_task_id: String(task), job_name: 'sweep',
          partition: 'gpu', nodelist: 'gpu042', restart_count: 0,
        } }),
    });
  }
  return items;
}

describe('array digests', () => {
  test('counts per status, failed task ids in order, the first failure\'s excerpt and tail', async () => {
    const report = await buildDigestReport(arrayTasks({ 7: 'failed', 3: 'failed', 9: 'timeout' }), { report: reportConfig() });
    expect(report.digest?.array_job_id).toBe('123450');
    expect(report.digest?.counts).toEqual({ success: 7, failed: 2, timeout: 1 });
    expect(report.digest?.failed_task_ids).toEqual(['3', '7', '9']);
    expect(report.digest?.markers.map(taskIdOf)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(report.status).toBe('failed');
    expect(report.severity).toBe('error');
    expect(report.title).toBe('❌ failed · sweep · array 123450 · 7/10 ok');
    expect(report.errorExcerpt[report.errorExcerpt.length - 1]).toBe('ValueError: task 3 broke');
    expect(report.reason).toBe('ValueError: task 3 broke');
    // The traceback ends the log: it is shown once, as the excerpt, and no tail repeats it.
    expect(report.tailAfterError).toBe(true);
    expect(report.logTail).toEqual([]);
    expect(report.marker.run_id).toBe('123450_3');
    const summary = Object.fromEntries(report.summary);
    expect(summary['Results']).toBe('✅ success 7, ❌ failed 2, ⏰ timeout 1');
    expect(summary['Failed tasks']).toBe('3, 7, 9');
    expect(summary['First failure']).toBe('3 (❌ failed)');
    const body = renderReport(report, 'text', {}).body;
    expect(body.split('\n')[0]).toBe('ValueError: task 3 broke');
    expect(body.split('ValueError: task 3 broke')).toHaveLength(3); // the reason line and the excerpt, once each
    expect(body).not.toContain('Last 50 lines');
  });

  test('the worst status wins: a lost task makes the digest critical', async () => {
    const report = await buildDigestReport(arrayTasks({ 2: 'terminated', 5: 'lost' }), { report: reportConfig({ language: 'zh' }) });
    expect(report.status).toBe('lost');
    expect(report.severity).toBe('critical');
    expect(report.title).toBe('💀 失联 · sweep · 数组 123450 · 8/10 成功');
    expect(Object.fromEntries(report.summary)['结果']).toBe('✅ 成功 8、⚠️ 被终止 1、💀 失联 1');
    expect(report.digest?.failed_task_ids).toEqual(['2', '5']);
  });

  test('all tasks succeeded: success, counts, no log section', async () => {
    const report = await buildDigestReport(arrayTasks({}), { report: reportConfig() });
    expect(report.status).toBe('success');
    expect(report.digest?.counts).toEqual({ success: 10 });
    expect(report.digest?.failed_task_ids).toEqual([]);
    expect(report.logTail).toEqual([]);
    expect(report.title).toBe('✅ success · sweep · array 123450 · 10/10 ok');
  });

  test('task ids come from the run id when Slurm fields are missing; an empty list is refused', async () => {
    expect(taskIdOf(makeMarker({ slurm: null, run_id: '999_12_r1' }))).toBe('12');
    await expect(buildDigestReport([], { report: reportConfig() })).rejects.toMatchObject({ code: 'E_EMPTY_DIGEST' });
  });
});
