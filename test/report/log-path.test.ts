import { mkdirSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { resolveLogPath } from '../../lib/report/log-path.js';
import { buildReport } from '../../lib/report/build.js';
import { makeTempDir } from '../helpers/run-bin.js';
import { makeMarker } from '../helpers/marker.js';
import { reportConfig } from '../helpers/report-config.js';
import type { Logger } from '../../lib/common/logger.js';

let tmp: { dir: string; cleanup: () => void };
let work: string;
let outside: string;
const SECRET = 'TOP-SECRET-CONTENT-OUTSIDE';

beforeAll(() => {
  tmp = makeTempDir('hpc-run-logpath-');
  work = join(tmp.dir, 'work');
  outside = join(tmp.dir, 'outside');
  mkdirSync(join(work, 'logs'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(work, 'logs', 'train.log'), 'inside line\n');
  writeFileSync(join(outside, 'secret.log'), `${SECRET}\n`);
  symlinkSync(join(outside, 'secret.log'), join(work, 'logs', 'escape.log'));
  symlinkSync(outside, join(work, 'logs', 'outdir'));
  symlinkSync(join(work, 'logs', 'train.log'), join(work, 'logs', 'alias.log'));
  symlinkSync(work, join(tmp.dir, 'work-link'));
  mkdirSync(join(work, 'logs', 'a-dir'));
});
afterAll(() => tmp.cleanup());

const resolveFor = (logFile: string | null, workDir = work, markerWorkDir = work) =>
  resolveLogPath(makeMarker({ log_file: logFile, work_dir: markerWorkDir }), workDir);

// A logger that records what it was told.
function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const push = (m: string) => void lines.push(m);
  return { lines, info: push, warn: push, error: push, out: push };
}

describe('log path security', () => {
  test('a relative path inside the work dir resolves to its real path', async () => {
    const { path, note } = await resolveFor('logs/train.log');
    expect(note).toBeNull();
    expect(path).toMatch(/work\/logs\/train\.log$/);
  });

  test('.. out of the work dir is refused, even when the target does not exist', async () => {
    expect(await resolveFor('../outside/secret.log'))
      .toEqual({ path: null, note: { kind: 'outside_work_dir', path: '../outside/secret.log' } });
    expect((await resolveFor('logs/../../outside/nothing.log')).note?.kind).toBe('outside_work_dir');
  });

  test('.. that stays inside is fine', async () => {
    expect((await resolveFor('logs/../logs/train.log')).note).toBeNull();
  });

  test('an absolute path elsewhere is refused; one inside the work dir is fine', async () => {
    expect((await resolveFor(join(outside, 'secret.log'))).note?.kind).toBe('outside_work_dir');
    expect((await resolveFor('/etc/passwd')).note?.kind).toBe('outside_work_dir');
    expect((await resolveFor(join(work, 'logs', 'train.log'))).note).toBeNull();
  });

  test('a symlinked file or directory pointing out is refused; one pointing inside is fine', async () => {
    expect((await resolveFor('logs/escape.log')).note?.kind).toBe('outside_work_dir');
    expect((await resolveFor('logs/outdir/secret.log')).note?.kind).toBe('outside_work_dir');
    expect((await resolveFor('logs/alias.log')).note).toBeNull();
  });

  test('a symlinked work dir itself is fine, also with an absolute log path as the compute node named it', async () => {
    const link = join(tmp.dir, 'work-link');
    expect((await resolveFor('logs/train.log', link)).note).toBeNull();
    expect((await resolveFor(join(work, 'logs', 'train.log'), link)).note).toBeNull();
    // The marker's work dir is the name the compute node used; the monitor reads it under its own name.
    const rebased = await resolveFor('/gpfs/alice/work/logs/train.log', link, '/gpfs/alice/work');
    expect(rebased.note).toBeNull();
    expect(rebased.path).toMatch(/work\/logs\/train\.log$/);
  });

  test('missing, not a file, no log recorded, and a NUL in the name', async () => {
    expect((await resolveFor('logs/none.log')).note).toMatchObject({ kind: 'missing', path: 'logs/none.log' });
    expect((await resolveFor('logs/a-dir')).note?.kind).toBe('not_a_file');
    expect((await resolveFor(null)).note?.kind).toBe('no_log_file');
    expect((await resolveFor('logs/train.log\0../../x')).note?.kind).toBe('outside_work_dir');
  });

  test('a report for an escaping log has no content from it, a note and a warning', async () => {
    const logger = recordingLogger();
    for (const logFile of ['logs/escape.log', '../outside/secret.log', join(outside, 'secret.log')]) {
      const marker = makeMarker({ log_file: logFile, work_dir: work });
      const report = await buildReport(marker, { workDir: work, report: reportConfig(), logger });
      expect(JSON.stringify({ ...report, marker: null })).not.toContain(SECRET);
      expect(report.logTail).toEqual([]);
      expect(report.logNote).toMatch(/outside the work dir/);
    }
    expect(logger.lines).toHaveLength(3);
    expect(logger.lines[0]).toMatch(/outside the work dir/);
    const zh = await buildReport(makeMarker({ log_file: 'logs/escape.log' }), { workDir: work, report: reportConfig({ language: 'zh' }) });
    expect(zh.logNote).toBe('日志文件 logs/escape.log 不在工作目录内，未包含其内容。');
  });

  // Root reads every file, so the case can only be made as another user.
  const asRoot = process.getuid?.() === 0;
  (asRoot ? test.skip : test)(`an unreadable log gives a note, not an error${asRoot ? ' (skipped: running as root)' : ''}`, async () => {
    const path = join(work, 'logs', 'locked.log');
    writeFileSync(path, 'x\n');
    chmodSync(path, 0o000);
    const report = await buildReport(makeMarker({ log_file: 'logs/locked.log' }), { workDir: work, report: reportConfig() });
    expect(report.logNote).toMatch(/could not be read \(EACCES\)/);
  });
});
