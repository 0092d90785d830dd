import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeAttempts } from '../../lib/common/attempts.js';
import type { AttemptRecord } from '../../lib/common/marker.js';
import { waitFor } from '../helpers/run-bin.js';
import { writeControlFile } from './control-file.js';
import { makeSandbox, statusOf, type Sandbox } from './setup.js';

// A shell command that counts its starts in ./count and fails until its start number reaches $1.
const failUntil = (n: number) =>
  `n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count; echo "start $n"; [ $n -ge ${n} ] || exit 1`;

// --retries: the command started again in the same log when it fails on its own.
describe('train-wrapper --retries', () => {
  let box: Sandbox;
  beforeEach(() => {
    box = makeSandbox();
  });
  afterEach(() => box.cleanup());

  const logText = (marker: Record<string, unknown>) => readFileSync(join(box.workDir, String(marker.log_file)), 'utf8');

  test('fails twice, then succeeds: one log with separators, three attempts in the marker, success', async () => {
    const result = await box.run([
      '--work-dir', box.workDir, '--run-id', 'r', '--retries', '3', '--retry-delay', '0', '--command', failUntil(3),
    ]);
    expect(statusOf(result)).toBe(0);
    const marker = box.marker().data;
    expect(marker).toMatchObject({ status: 'success', exit_code: 0, signal: null, max_attempts: 4 });
    const attempts = marker.attempts as AttemptRecord[];
    expect(attempts.map((a) => [a.attempt, a.exit_code, a.signal])).toEqual([[1, 1, null], [2, 1, null], [3, 0, null]]);
    for (const a of attempts) expect(Date.parse(a.ended_at)).toBeGreaterThanOrEqual(Date.parse(a.started_at));
    expect(box.logs()).toHaveLength(1);
    expect(logText(marker)).toBe(
      'start 1\n===== hpc-run: attempt 2 of 4 (previous exit code 1) =====\nstart 2\n' +
        '===== hpc-run: attempt 3 of 4 (previous exit code 1) =====\nstart 3\n',
    );
    expect(result.stdout).toContain('===== hpc-run: attempt 3 of 4 (previous exit code 1) =====');
    expect(result.stderr).toContain('attempt 1 of 4 failed (exit 1); attempt 2 in 0s');
    expect(describeAttempts(marker as never)).toBe('succeeded on attempt 3 of 4');
  });

  test('always fails: N+1 attempts, then failed with the last exit code', async () => {
    const result = await box.run(
      ['--work-dir', box.workDir, '--quiet', '--retries', '2', '--retry-delay', '0', '--command', 'echo try; exit 3'],
      {
        HPC_RUN_RETRIES: '9', // the flag wins
      },
    );
    expect(statusOf(result)).toBe(3);
    const marker = box.marker().data;
    expect(marker).toMatchObject({ status: 'failed', exit_code: 3, max_attempts: 3 });
    expect((marker.attempts as AttemptRecord[]).map((a) => a.exit_code)).toEqual([3, 3, 3]);
    expect(logText(marker).match(/^===== hpc-run: attempt \d of 3 \(previous exit code 3\) =====$/gm)).toEqual([
      '===== hpc-run: attempt 2 of 3 (previous exit code 3) =====',
      '===== hpc-run: attempt 3 of 3 (previous exit code 3) =====',
    ]);
    expect(describeAttempts(marker as never)).toBe('failed 3 times');
  });

  test('HPC_RUN_RETRIES stands in for the flag; a command that cannot start is not retried', async () => {
    const result = await box.run(['--work-dir', box.workDir, '--quiet', '--', join(box.root, 'no-such-command')], {
      HPC_RUN_RETRIES: '2',
      HPC_RUN_RETRY_DELAY: '0',
    });
    expect(statusOf(result)).toBe(127);
    expect(box.marker().data).toMatchObject({
      status: 'failed',
      exit_code: 127,
      max_attempts: 3,
      attempts: [expect.objectContaining({ exit_code: 127 })],
    });
  });

  test('the heartbeat shows the attempt running; a signal from outside ends it without another attempt', async () => {
    const hb = join(box.workDir, '.train_running.r.json');
    const run = box.start([
      '--work-dir', box.workDir, '--quiet', '--run-id', 'r', '--retries', '2', '--retry-delay', '0', '--heartbeat-interval', '0.2',
      '--command', `${failUntil(2)}; echo ready; exec sleep 60`,
    ]);
    const beat = await waitFor(() => {
      const read = existsSync(hb) ? JSON.parse(readFileSync(hb, 'utf8')) : null;
      return read?.attempt === 2 ? read : null;
    });
    expect(beat).toMatchObject({ attempt: 2, max_attempts: 3 });
    await waitFor(() => run.output().includes('ready'));
    run.child.kill('SIGTERM');
    const result = await run.done;
    expect(statusOf(result)).toBe(143);
    const marker = box.marker().data;
    expect(marker).toMatchObject({ status: 'terminated', signal: 'SIGTERM' });
    expect((marker.attempts as AttemptRecord[]).map((a) => a.exit_code)).toEqual([1, 143]);
    expect(describeAttempts(marker as never)).toBe('ended on attempt 2 of 3');
  });

  test.each(['a signal', 'a control file'])(
    '%s during the retry delay ends the run at once: terminated, no further attempt', async (how) => {
    const run = box.start([
      '--work-dir', box.workDir, '--run-id', 'r', '--retries', '2', '--retry-delay', '1h', '--control-interval', '0.2',
      '--command', 'echo once; exit 4',
    ]);
    let said = '';
    run.child.stderr?.on('data', (d: Buffer | string) => (said += d.toString()));
    await waitFor(() => said.includes('attempt 2 in 1h'));
    if (how === 'a signal') run.child.kill('SIGTERM');
    else writeControlFile(box.workDir, 'r', { signal: 'TERM', reason: 'enough' });
    const result = await run.done;
    expect(statusOf(result)).toBe(143);
    const marker = box.marker().data;
    expect(marker).toMatchObject({
      status: 'terminated',
      exit_code: 143,
      signal: 'SIGTERM',
      attempts: [expect.objectContaining({ attempt: 1, exit_code: 4 })],
    });
    if (how === 'a control file') expect(marker).toMatchObject({ stopped_by: 'tester@login1', stop_reason: 'enough' });
    expect(logText(marker)).toBe('once\n');
  });

  test.each([
    [['--retries', 'two'], '--retries must be a whole number'],
    [['--retries', '-1'], '--retries'],
    [['--retry-delay', 'soon'], '--retry-delay must be a positive duration'],
    [['--stall-after', '0'], '--stall-after must be a positive duration'],
    [['--control-interval', '0'], '--control-interval must be a positive duration'],
  ])('bad value %j: exit 2 before anything runs, one line naming the flag', async (flags, message) => {
    const result = await box.run(['--work-dir', box.workDir, ...flags, '--command', 'touch ran']);
    expect(statusOf(result)).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(join(box.workDir, 'ran'))).toBe(false);
  });

  test('a bad HPC_RUN_RETRIES is named', async () => {
    const result = await box.run(['--work-dir', box.workDir, '--command', 'true'], { HPC_RUN_RETRIES: 'lots' });
    expect(statusOf(result)).toBe(2);
    expect(result.stderr).toContain("HPC_RUN_RETRIES must be a whole number from 0 to 999, got 'lots'");
  });
});
