import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { mkdirSync, readFileSync, readdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, runBin, startBin, waitFor } from '../helpers/run-bin.js';
import { makeSandbox, statusOf, type Sandbox } from '../wrapper/setup.js';

// A log dir outside the work dir (`--log-dir /scratch/$USER/logs`, or a `logs -> /elsewhere` symlink): the monitor
// reads it only because the run's spool entry (the user's private state dir) names exactly that file. A marker
// alone still never points outside its work dir.

let box: Sandbox;
let scratch: string;
beforeEach(() => {
  box = makeSandbox();
  scratch = join(box.root, 'scratch');
  mkdirSync(join(scratch, 'logs'), { recursive: true });
});
afterEach(() => box.cleanup());

const monitor = (args: string[]) => runBin(BIN.monitor, ['--once', ...args], { env: box.env, cwd: box.root });
/** The wrapper with its log in the scratch dir (`--log-dir`), outside the work dir; by default `epoch 3 loss 0.4217`, exit 3. */
const runWithOutsideLog = (extra: string[] = [], command = 'printf "epoch %s loss %s\\n" 3 0.4217; exit 3') =>
  box.run(['--work-dir', box.workDir, '--quiet', ...extra, '--log-dir', join(scratch, 'logs'), '--command', command]);
const markerPath = () => join(box.workDir, box.marker().name);

describe('a log outside the work dir', () => {
  test.each([['--work-dir'], ['the spool']])('--log-dir outside, monitor by %s: the report carries the tail', async (how) => {
    const run = await runWithOutsideLog();
    expect(statusOf(run)).toBe(3);
    const entry = JSON.parse(readFileSync(join(box.stateDir, 'spool', box.spool()[0]), 'utf8'));
    expect(entry.log_file).toBe(realpathSync(join(scratch, 'logs', readdirSync(join(scratch, 'logs'))[0])));
    const result = await monitor(how === '--work-dir' ? ['--work-dir', box.workDir] : []);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('epoch 3 loss 0.4217');
    expect(result.stdout + result.stderr).not.toContain('outside the work dir');
  });

  test('--log-dir outside with the wrapper\'s own --notify: the report carries the tail', async () => {
    const config = join(box.root, 'config.yaml');
    writeFileSync(config, 'notification:\n  type: console\n');
    await runWithOutsideLog(['--notify', '--config', config], 'printf "epoch %s loss %s\\n" 5 0.777; exit 3');
    expect(readFileSync(join(box.stateDir, 'notifications.log'), 'utf8')).toContain('epoch 5 loss 0.777');
  });

  test('--log-dir outside, monitor --dry-run: the printed report carries the tail', async () => {
    await runWithOutsideLog();
    const result = await monitor(['--work-dir', box.workDir, '--dry-run']);
    expect(result.stdout).toContain('epoch 3 loss 0.4217');
    expect(result.stdout + result.stderr).not.toContain('outside the work dir');
  });

  test('--log-dir outside, tasks of one array job: the digest carries the first failure\'s tail', async () => {
    for (const task of ['1', '2']) {
      const slurm = { SLURM_JOB_ID: `90${task}`, SLURM_ARRAY_JOB_ID: '900', SLURM_ARRAY_TASK_ID: task };
      const args = ['--work-dir', box.workDir, '--quiet', '--log-dir', join(scratch, 'logs'), '--command',
        `printf "task %s loss %s\\n" ${task} 0.${task}${task}; exit 3`];
      expect(statusOf(await box.run(args, slurm))).toBe(3);
    }
    const config = join(box.root, 'digest.yaml');
    writeFileSync(config, 'notification:\n  type: console\ndigest:\n  min_batch: 2\n');
    const result = await monitor(['--work-dir', box.workDir, '--config', config]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/array 900 · 0\/2 ok/);
    expect(result.stdout).toContain('task 1 loss 0.11');
    expect(result.stdout + result.stderr).not.toContain('outside the work dir');
  });

  test('--log-dir outside, a live run: status shows its last line and follow prints its lines to the end', async () => {
    const command = 'echo "outside 1"; while [ ! -e go ]; do sleep 0.1; done; echo "outside 2"';
    const logDir = join(scratch, 'logs');
    const run = box.start(['--work-dir', box.workDir, '--quiet', '--run-id', 'live1', '--log-dir', logDir, '--command', command]);
    let follow: ReturnType<typeof startBin> | null = null;
    try {
      await waitFor(() => run.output().includes('outside 1'));
      await waitFor(() => box.spool().length === 1);
      const status = await runBin(BIN.monitor, ['status', '--json'], { env: box.env, cwd: box.root });
      const rows = JSON.parse(status.stdout);
      expect(rows).toEqual([expect.objectContaining({ run_id: 'live1', state: 'running', last_line: 'outside 1' })]);
      follow = startBin(BIN.monitor, ['follow', 'live1'], { env: box.env, cwd: box.root });
      let followed = '';
      follow.child.stdout?.on('data', (d: Buffer) => (followed += d.toString()));
      await waitFor(() => followed.includes('outside 1'));
      writeFileSync(join(box.workDir, 'go'), '');
      expect((await run.done).code).toBe(0);
      expect((await follow.done).code).toBe(0);
      expect(followed).toMatch(/outside 1\noutside 2\n/);
    } finally {
      // A failure above must not leave the run or the follower behind.
      writeFileSync(join(box.workDir, 'go'), '');
      follow?.child.kill('SIGTERM');
      await run.done;
    }
  });

  test('a logs -> elsewhere symlink: the report carries the tail', async () => {
    symlinkSync(join(scratch, 'logs'), join(box.workDir, 'logs'));
    await box.run(['--work-dir', box.workDir, '--quiet', '--command', 'printf "epoch %s loss %s\\n" 9 0.1234; exit 3']);
    const result = await monitor(['--work-dir', box.workDir]);
    expect(result.stdout).toContain('epoch 9 loss 0.1234');
  });

  test.each([
    ['another file outside', (other: string) => other],
    ['a relative path up and out', (other: string) => `../scratch/${other.split('/scratch/')[1]}`],
  ])('a marker hand-edited to point at %s is still refused', async (_name, point) => {
    await runWithOutsideLog();
    const other = join(scratch, 'logs', 'secret.log');
    writeFileSync(other, 'TOPSECRET-line\n');
    const path = markerPath();
    const marker = JSON.parse(readFileSync(path, 'utf8'));
    writeFileSync(path, JSON.stringify({ ...marker, log_file: point(other) }));
    const result = await monitor(['--work-dir', box.workDir]);
    expect(result.stdout + result.stderr).not.toContain('TOPSECRET');
    expect(result.stdout).toContain('outside the work dir');
  });

  test('without a spool entry (a marker alone), an outside log is refused', async () => {
    await runWithOutsideLog();
    for (const name of box.spool()) writeFileSync(join(box.stateDir, 'spool', name), '{}'); // broken entry: names nothing
    const result = await monitor(['--work-dir', box.workDir]);
    expect(result.stdout).not.toContain('epoch 3 loss 0.4217');
    expect(result.stdout).toContain('outside the work dir');
  });
});
