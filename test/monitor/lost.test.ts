import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, ROOT, startBin, waitFor } from '../helpers/run-bin.js';
import { makeMonitorSandbox, type MonitorSandbox } from './sandbox.js';

const FAKE_SLURM = join(ROOT, 'test', 'fixtures', 'monitor', 'slurm-bin');
let box: MonitorSandbox;

beforeEach(() => {
  box = makeMonitorSandbox();
});
afterEach(() => box.cleanup());

const count = (text: string, word: RegExp) => (text.match(word) ?? []).length;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Runs --once (stale after 1 s) until `done` holds; returns every run's stderr.
async function onceUntil(done: () => boolean, extraArgs: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<string> {
  let stderr = '';
  for (let i = 0; i < 100 && !done(); i += 1) {
    const result = await box.monitor(['--once', '--work-dir', box.workDir, '--stale-after', '1', ...extraArgs], env);
    expect(result.code).toBe(0);
    stderr += result.stderr;
    if (!done()) await sleep(300);
  }
  expect(done()).toBe(true);
  return stderr;
}

describe('lost runs', () => {
  test('a heartbeat whose seq stops changing becomes one lost report, observations kept across --once runs', async () => {
    const heartbeat = box.writeHeartbeat('h1', 5);
    const stderr = await onceUntil(() => box.notifications().includes('lost'));
    expect(existsSync(heartbeat)).toBe(false);
    expect(stderr).toMatch(/is lost/);
    expect(box.trainFiles()).toEqual([]);
    for (let i = 0; i < 3; i += 1) await box.monitor(['--once', '--work-dir', box.workDir, '--stale-after', '1']);
    expect(count(box.notifications(), /^=====/gm)).toBe(1);
    expect(JSON.parse(readFileSync(join(box.stateDir, 'heartbeats.json'), 'utf8')).heartbeats).toEqual({});
  });

  test('a heartbeat that keeps moving is never lost', async () => {
    const path = box.writeHeartbeat('h2', 1);
    for (let seq = 2; seq < 6; seq += 1) {
      const result = await box.monitor(['--once', '--work-dir', box.workDir, '--stale-after', '1']);
      expect(result.code).toBe(0);
      box.writeHeartbeat('h2', seq);
      await sleep(600);
    }
    expect(existsSync(path)).toBe(true);
    expect(box.notifications()).toBe('');
  });

  test('the scheduler is asked once per pass for all silent runs: running is not lost (said once), ended carries its state', async () => {
    const slurmDir = join(box.root, 'slurm');
    execFileSync('mkdir', ['-p', slurmDir]);
    writeFileSync(join(slurmDir, 'squeue.out'), '111|111|RUNNING|None\n');
    writeFileSync(join(slurmDir, 'sacct.out'), '222|222|TIMEOUT|0:15|TimeLimit\n');
    const slurm = (id: string) => ({
      job_id: id, array_job_id: null, array_task_id: null, job_name: 'bert', partition: 'gpu', nodelist: 'n1', restart_count: 0,
    });
    box.writeHeartbeat('111', 3, { slurm: slurm('111') });
    box.writeHeartbeat('222', 3, { slurm: slurm('222') });
    const env = { FAKE_SLURM_DIR: slurmDir, PATH: `${FAKE_SLURM}:${process.env.PATH}` };
    const stderr = await onceUntil(() => box.notifications().includes('TIMEOUT'), [], env);
    await box.monitor(['--once', '--work-dir', box.workDir, '--stale-after', '1'], env);
    const after = (await box.monitor(['--once', '--work-dir', box.workDir, '--stale-after', '1'], env)).stderr;
    expect(count(stderr + after, /not lost/g)).toBe(1);
    expect(existsSync(join(box.workDir, '.train_running.111.json'))).toBe(true);
    expect(count(box.notifications(), /^=====/gm)).toBe(1);
    const calls = readFileSync(join(slurmDir, 'calls'), 'utf8').trim().split('\n');
    for (const call of calls.filter((c) => c.startsWith('squeue'))) expect(call).toMatch(/-j (111,222|222,111|111)\b/);
    expect(calls.filter((c) => c.startsWith('squeue') && c.includes('222')).length).toBeGreaterThanOrEqual(1);
  });

  test('the scheduler unavailable: lost with a note that it could not be asked', async () => {
    box.writeHeartbeat('333', 1, {
      slurm: { job_id: '333', array_job_id: null, array_task_id: null, job_name: null, partition: null, nodelist: null, restart_count: 0 },
    });
    await onceUntil(() => box.notifications().includes('lost'), [], { PATH: '/usr/bin:/bin' });
    expect(box.trainFiles()).toEqual([]);
  });

  test('SIGKILL of a real wrapper leads to exactly one lost report', async () => {
    const wrapper = startBin(
      BIN.wrapper,
      ['--work-dir', box.workDir, '--run-id', 'w1', '--heartbeat-interval', '1', '--', 'sleep', '30'],
      { env: box.env },
    );
    const heartbeat = join(box.workDir, '.train_running.w1.json');
    await waitFor(() => existsSync(heartbeat));
    const child = execFileSync('sh', ['-c', `pgrep -P ${wrapper.child.pid} || true`], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean);
    wrapper.child.kill('SIGKILL');
    await wrapper.done;
    for (const pid of child) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await onceUntil(() => box.notifications().includes('lost'));
    for (let i = 0; i < 3; i += 1) await box.monitor(['--once', '--work-dir', box.workDir, '--stale-after', '1']);
    expect(count(box.notifications(), /^=====/gm)).toBe(1);
    expect(box.trainFiles()).toEqual([]);
  });
});
