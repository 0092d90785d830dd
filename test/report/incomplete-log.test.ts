import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseMarker } from '../../lib/common/marker.js';
import { buildReport } from '../../lib/report/build.js';
import { makeTempDir } from '../helpers/run-bin.js';

// A log the wrapper could not write to the end (disk full, `ulimit -f`): the marker says why, the report says so.
describe('a log cut short', () => {
  const tmp = makeTempDir('hpc-run-incomplete-');
  afterAll(() => tmp.cleanup());
  const work = join(tmp.dir, 'work');
  mkdirSync(join(work, 'logs'), { recursive: true });
  writeFileSync(join(work, 'logs', 'train.log'), 'epoch 1\nepoch 2\n');
  const marker = (extra: Record<string, unknown>) =>
    parseMarker(JSON.stringify({ timestamp: '2026-12-06 10:00:00', status: 'success', exit_code: 0, log_file: 'logs/train.log',
      work_dir: work, ...extra }), 'm.json');
  const report = { include_last_n_lines: 50, language: 'en' as const, max_line_length: 500 };

  test('the report keeps the tail and notes that the log may be incomplete, with the reason, in either language', async () => {
    const cut = marker({ log_error: 'No space left on device' });
    expect(cut.log_error).toBe('No space left on device');
    const en = await buildReport(cut, { workDir: work, report });
    expect(en.logTail).toEqual(['epoch 1', 'epoch 2']);
    expect(en.logNote).toBe('The log file logs/train.log may be incomplete: writing it failed during the run (No space left on device).');
    const zh = await buildReport(cut, { workDir: work, report: { ...report, language: 'zh' } });
    expect(zh.logNote).toBe('日志文件 logs/train.log 可能不完整：运行期间写入失败（No space left on device）。');
  });

  test('an empty log whose writing failed says why, not merely that it is empty', async () => {
    writeFileSync(join(work, 'logs', 'empty.log'), '');
    const empty = (extra: Record<string, unknown>) => marker({ log_file: 'logs/empty.log', ...extra });
    expect((await buildReport(empty({}), { workDir: work, report })).logNote).toBe('The log file logs/empty.log is empty.');
    const failed = await buildReport(empty({ log_error: 'File too large' }), { workDir: work, report });
    expect(failed.logTail).toEqual([]);
    expect(failed.logNote).toBe('The log file logs/empty.log may be incomplete: writing it failed during the run (File too large).');
  });

  test('a whole log has no such note; a wrong-typed log_error reads as none', async () => {
    expect((await buildReport(marker({}), { workDir: work, report })).logNote).toBeNull();
    const odd = marker({ log_error: 42 });
    expect(odd.log_error).toBeNull();
    expect((await buildReport(odd, { workDir: work, report })).logNote).toBeNull();
  });
});
