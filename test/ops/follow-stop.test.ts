import type { ChildProcess } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../helpers/run-bin.js';
import { makeOpsSandbox, type OpsSandbox } from './ops-sandbox.js';

let box: OpsSandbox;
const WAIT_GO = 'while [ ! -e go ]; do sleep 0.1; done';

// Resolves once the child has printed `text` on stdout.
function shown(child: ChildProcess, text: string): Promise<void> {
  return new Promise((resolve) => {
    let seen = '';
    child.stdout!.on('data', (d: Buffer | string) => {
      seen += String(d);
      if (seen.includes(text)) resolve();
    });
  });
}
beforeEach(() => {
  box = makeOpsSandbox();
});
afterEach(() => box.cleanup());

describe('train-monitor follow', () => {
  test('a live run: the last lines first, then new lines, then its final status line when the marker appears', async () => {
    const dir = box.workDir('live');
    await box.startWrapper(
      dir,
      'f1',
      `for i in $(seq 1 15); do echo "line $i"; done; ${WAIT_GO}; for i in $(seq 16 20); do echo "line $i"; sleep 0.4; done; exit 4`,
    );
    const follow = box.startMonitor(['follow', 'f1', '--lines', '5']);
    await shown(follow.child, 'line 15');
    box.go(dir);
    const result = await follow.done;
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.slice(0, 5)).toEqual(['line 11', 'line 12', 'line 13', 'line 14', 'line 15']);
    expect(lines.slice(5, 10)).toEqual(['line 16', 'line 17', 'line 18', 'line 19', 'line 20']);
    expect(lines[10]).toMatch(/^── run f1 ended: failed, exit code 4/);
    expect(lines).toHaveLength(11);
  });

  test('without RUN it follows the newest running run; an ended run prints its end at once', async () => {
    const dir = box.workDir('newest');
    await box.startWrapper(dir, 'n1', `echo first; ${WAIT_GO}; echo second`);
    const follow = box.startMonitor(['follow']);
    await shown(follow.child, 'first');
    box.go(dir);
    const result = await follow.done;
    expect(result.stderr).not.toMatch(/error|no run/);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/first\nsecond\n── run n1 ended: success, exit code 0/);
    const again = await box.monitor(['follow', 'n1']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/second\n── run n1 ended: success, exit code 0/);
    const none = await box.monitor(['follow']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no run is running now/);
  });
});

test('follow ends with the lost verdict when the monitor declares the run lost', async () => {
  const dir = box.workDir('dead');
  const spool = join(box.stateDir, 'spool');
  mkdirSync(spool, { recursive: true });
  mkdirSync(join(dir, 'logs'), { recursive: true });
  writeFileSync(join(dir, 'logs', 'dead.log'), 'epoch 1\nepoch 2\n');
  const started = new Date().toISOString();
  writeFileSync(join(spool, 'gpu5.9.9.json'), JSON.stringify({
    schema: 1, run_id: 'dead1', work_dir: dir, marker_file: '.train_complete.dead1.json', heartbeat_file: '.train_running.dead1.json',
    log_file: 'logs/dead.log', host: 'gpu5', pid: 9, started_at: started, slurm_job_id: null,
  }));
  writeFileSync(join(dir, '.train_running.dead1.json'), JSON.stringify({
    schema: 1, run_id: 'dead1', pid: 9, host: 'gpu5', user: 'u', command: 'python t.py', work_dir: dir, started_at: started,
    log_file: 'logs/dead.log', seq: 3, updated_at: started, log_bytes: 16, last_output_at: null, slurm: null,
  }));
  const follow = box.startMonitor(['follow', 'dead1']);
  await shown(follow.child, 'epoch 2');
  await waitFor(async () => {
    await box.monitor(['--once', '--stale-after', '1']);
    return follow.child.exitCode !== null || !existsSync(join(dir, '.train_running.dead1.json'));
  }, 60_000, 300);
  const result = await follow.done;
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(/epoch 1\nepoch 2\n── run dead1 is lost: lost, exit code none/);
});

describe('train-monitor stop', () => {
  test('writes the control file beside the run (by run id or work dir) with each signal and the reason', async () => {
    const dir = box.workDir('stopme');
    // The wrapper does not act on the file here (test/wrapper/control.test.ts covers that): the run stays alive
    // for all four stops, however slowly they come.
    await box.startWrapper(dir, 's1', 'sleep 60', { HPC_RUN_CONTROL_INTERVAL: '1h' });
    const path = join(dir, '.train_control.s1.json');
    const nonces = new Set<string>();
    for (const [i, signal] of ['TERM', 'INT', 'usr1', 'SIGUSR2'].entries()) {
      const target = i % 2 === 0 ? 's1' : dir;
      const result = await box.monitor(['stop', target, '--signal', signal, '--reason', 'diverged at step 900']);
      expect(result.code).toBe(0);
      const control = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
      expect(control).toEqual({
        schema: 1, run_id: 's1', signal: signal.toUpperCase().replace(/^SIG/, ''), reason: 'diverged at step 900',
        by: `${userInfo().username}@${hostname()}`,
        at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/),
        nonce: expect.stringMatching(/^[0-9a-f]{24}$/),
      });
      nonces.add(control.nonce as string);
      expect(result.stdout).toContain(`wrote ${path}:`);
      expect(result.stdout).toContain(JSON.stringify(control));
    }
    expect(nonces.size).toBe(4);
  });

  test('end to end: train-monitor stop ends a live wrapper, whose marker says who stopped it and why', async () => {
    const dir = box.workDir('live');
    const run = await box.startWrapper(dir, 'e2e', 'echo ready; exec sleep 60', { HPC_RUN_CONTROL_INTERVAL: '0.2' });
    const stop = await box.monitor(['stop', 'e2e', '--reason', 'loss diverged']);
    expect(stop.code).toBe(0);
    const ended = await run.done;
    expect(ended.code).toBe(143);
    const marker = JSON.parse(readFileSync(join(dir, '.train_complete.e2e.json'), 'utf8')) as Record<string, unknown>;
    expect(marker).toMatchObject({
      status: 'terminated', signal: 'SIGTERM', stopped_by: `${userInfo().username}@${hostname()}`, stop_reason: 'loss diverged',
    });
    expect(existsSync(join(dir, '.train_control.e2e.json'))).toBe(false);
  });

  test('an unknown run, an ended run and a bad signal are refused with a clear line', async () => {
    const unknown = await box.monitor(['stop', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no run "nope" is known/);
    const dir = box.workDir('done');
    const run = await box.startWrapper(dir, 'd1', 'true', {}, { waitForStart: false });
    await run.done;
    const ended = await box.monitor(['stop', 'd1']);
    expect(ended.code).toBe(1);
    expect(ended.stderr).toMatch(/run d1 .* has already ended \(success, exit code 0/);
    expect(existsSync(join(dir, '.train_control.d1.json'))).toBe(false);
    const bad = await box.monitor(['stop', 'd1', '--signal', 'KILL']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--signal must be one of TERM, INT, USR1, USR2/);
    const missing = await box.monitor(['stop']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/stop needs RUN/);
  });

  test('a work dir with two live runs is ambiguous: name one by its run id', async () => {
    const dir = box.workDir('two');
    await box.startWrapper(dir, 't1', 'sleep 60');
    await box.startWrapper(dir, 't2', 'sleep 60');
    const result = await box.monitor(['stop', dir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/names 2 live runs: t\d, t\d/);
    await waitFor(() => true);
  });
});
