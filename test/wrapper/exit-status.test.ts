import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bashStatus, makeSandbox, statusOf, type Sandbox } from './setup.js';

// The wrapper exits with exactly what `bash -c` reports for the same command, and records it in the marker.
describe('train-wrapper exit status', () => {
  let box: Sandbox;
  beforeEach(() => {
    box = makeSandbox();
  });
  afterEach(() => box.cleanup());

  test.each([0, 1, 3, 255])('exit %i through the shell and without it', async (code) => {
    const viaShell = await box.run(['--work-dir', box.workDir, '--quiet', '--run-id', `shell${code}`, '--command', `exit ${code}`]);
    expect(statusOf(viaShell)).toBe(bashStatus(`exit ${code}`, box.workDir));
    const direct = await box.run(['--work-dir', box.workDir, '--quiet', '--run-id', `direct${code}`, '--', 'sh', '-c', `exit ${code}`]);
    expect(statusOf(direct)).toBe(code);
    const marker = JSON.parse(readFileSync(join(box.workDir, `.train_complete.direct${code}.json`), 'utf8'));
    expect(marker).toMatchObject({ status: code === 0 ? 'success' : 'failed', exit_code: code, signal: null });
  });

  test.each([
    ['SIGKILL', 137, 'terminated'],
    ['SIGSEGV', 139, 'failed'],
    ['SIGABRT', 134, 'failed'],
  ])('a command killed by %s gives %i (%s)', async (signal, expected, status) => {
    const command = `kill -${signal.slice(3)} $$`;
    expect(bashStatus(command, box.workDir)).toBe(expected);
    const result = await box.run(['--work-dir', box.workDir, '--quiet', '--command', command]);
    expect(statusOf(result)).toBe(expected);
    expect(box.marker().data).toMatchObject({ status, exit_code: expected, signal });
  });

  test('127 for a command that does not exist, with and without the shell', async () => {
    const missing = 'no-such-command-hpc-run-test';
    expect(bashStatus(missing, box.workDir)).toBe(127);
    const viaShell = await box.run(['--work-dir', box.workDir, '--quiet', '--run-id', 'a', '--command', missing]);
    expect(statusOf(viaShell)).toBe(127);
    const direct = await box.run(['--work-dir', box.workDir, '--quiet', '--run-id', 'b', '--', missing, '--flag']);
    expect(statusOf(direct)).toBe(127);
    const lines = direct.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\[train-wrapper\] error: cannot run 'no-such-command-hpc-run-test': command not found \(exit 127\)$/);
    const marker = JSON.parse(readFileSync(join(box.workDir, '.train_complete.b.json'), 'utf8'));
    expect(marker).toMatchObject({ status: 'failed', exit_code: 127, command: `${missing} --flag` });
  });

  test('126 for a file that is not executable, with and without the shell', async () => {
    writeFileSync(join(box.workDir, 'train.sh'), '#!/bin/sh\necho hi\n', { mode: 0o644 });
    expect(bashStatus('./train.sh', box.workDir)).toBe(126);
    const viaShell = await box.run(['--work-dir', box.workDir, '--quiet', '--run-id', 'a', '--command', './train.sh']);
    expect(statusOf(viaShell)).toBe(126);
    const direct = await box.run(['--work-dir', box.workDir, '--quiet', '--run-id', 'b', '--', './train.sh']);
    expect(statusOf(direct)).toBe(126);
    expect(direct.stderr.trim().split('\n')).toEqual([
      "[train-wrapper] error: cannot run './train.sh': permission denied, not executable (exit 126)",
    ]);
  });

  test('the shell sees quotes, variables, pipes and &&', async () => {
    const result = await box.run(
      ['--work-dir', box.workDir, '--quiet', '--command', `X="a b"; echo "$X" | tr a-z A-Z && printf '%s\\n' 'it''s' && exit 4`],
    );
    expect(statusOf(result)).toBe(4);
    expect(result.stdout).toBe('A B\nits\n');
  });
});
