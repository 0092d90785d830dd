import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startReceiver } from '../helpers/http-receiver.js';
import { countReports, FAKE_GPU_BIN, makeOpsSandbox, sleep, type OpsSandbox } from './ops-sandbox.js';

let box: OpsSandbox;
beforeEach(() => {
  box = makeOpsSandbox();
});
afterEach(() => box.cleanup());

// Runs `--once` passes (spool mode) until `done`, then `extra` more; returns their stderr.
async function passes(done: () => boolean, extra = 3, args: string[] = []): Promise<string> {
  let stderr = '';
  for (let i = 0; i < 60 && !done(); i += 1) {
    stderr += (await box.monitor(['--once', '--config', box.configPath, ...args])).stderr;
    await sleep(250);
  }
  if (!done())
    throw new Error(`condition not met; monitor said:\n${stderr.slice(-3000)}\nnotifications:\n${box.notifications().slice(-2000)}`);
  for (let i = 0; i < extra; i += 1) {
    stderr += (await box.monitor(['--once', '--config', box.configPath, ...args])).stderr;
    await sleep(300);
  }
  return stderr;
}

describe('stall alert', () => {
  test('a command that goes quiet: one stalled report with the last lines, then one resumed report', async () => {
    box.writeConfig('monitor:\n  stall_after: 2s\n  gpu_idle: off\n');
    const dir = box.workDir('quiet');
    await box.startWrapper(
      dir,
      'q1',
      'echo "epoch 1 loss 0.5"; echo "loading batch 17"; sleep 8; while true; do echo "epoch 2 step"; sleep 0.3; done',
    );
    const stderr = await passes(() => countReports(box.notifications(), /resumed/) > 0);
    const text = box.notifications();
    expect(countReports(text, /stalled/)).toBe(1);
    expect(countReports(text, /resumed/)).toBe(1);
    const stalled = text.split(/^=====.*=====$/m).find((b) => /stalled/.test(b.trim().split('\n')[0]))!;
    expect(stalled).toMatch(/Status: ⏸️ stalled/);
    expect(stalled).toMatch(/loading batch 17/);
    expect(stalled).toMatch(/No output for: \d+s/);
    expect(stderr).toMatch(/stalled report queued/);
    const kinds = box.history().map((h) => `${String(h.kind)}:${String(h.status)}`);
    expect(kinds).toEqual(['in_run:stalled', 'in_run:resumed']);
  });

  test('a run logging outside its work dir (--log-dir): the stalled report still carries its last lines', async () => {
    box.writeConfig('monitor:\n  stall_after: 2s\n  gpu_idle: off\n');
    const dir = box.workDir('scratchlog');
    const logDir = join(box.root, 'scratch', 'logs');
    await box.startWrapper(dir, 's1', 'echo "epoch 4 loss 0.25"; echo "waiting on rank 3"; sleep 60', { HPC_RUN_LOG_DIR: logDir });
    await passes(() => countReports(box.notifications(), /stalled/) > 0);
    const stalled = box.notifications().split(/^=====.*=====$/m).find((b) => /stalled/.test(b.trim().split('\n')[0]))!;
    expect(stalled).toMatch(/waiting on rank 3/);
    expect(stalled).not.toMatch(/outside the work dir/);
  });

  test('the wrapper\'s own stall_after_s in the heartbeat wins over the config', async () => {
    // The monitor's setting would never fire; the run asks for 1 s (as a wrapper with --stall-after 1s writes it).
    box.writeConfig('monitor:\n  stall_after: 1h\n  gpu_idle: off\n');
    const dir = box.workDir('own');
    const spool = join(box.stateDir, 'spool');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(spool, { recursive: true });
    const hb = join(dir, '.train_running.own1.json');
    writeFileSync(join(spool, 'own1.json'), JSON.stringify({
      schema: 1, run_id: 'own1', work_dir: dir, marker_file: '.train_complete.own1.json', heartbeat_file: '.train_running.own1.json',
      log_file: 'logs/x.log', host: 'gpu1', pid: 1, started_at: new Date().toISOString(), slurm_job_id: null,
    }));
    let seq = 0;
    const beat = () => writeFileSync(hb, JSON.stringify({
      schema: 1, run_id: 'own1', pid: 1, host: 'gpu1', user: 'u', command: 'python train.py', work_dir: dir,
      started_at: new Date().toISOString(), log_file: 'logs/x.log', seq: ++seq, updated_at: '', log_bytes: 100, last_output_at: null,
      slurm: null, stall_after_s: 1,
    }));
    beat();
    for (let i = 0; i < 60 && countReports(box.notifications(), /stalled/) === 0; i += 1) {
      await box.monitor(['--once', '--config', box.configPath]);
      beat();
      await sleep(200);
    }
    expect(countReports(box.notifications(), /stalled/)).toBe(1);
  });

  test('a failed delivery is retried from the persisted state on a later pass, and sent once', async () => {
    let calls = 0;
    const receiver = await startReceiver(() => (++calls === 1 ? { status: 500, body: 'busy' } : { status: 200, body: { ok: true } }));
    try {
      box.writeConfig(
        'monitor:\n  stall_after: 1s\n  retry_base: 1s\n  retry_max: 1s\n  gpu_idle: off\n' +
          `notification:\n  channels:\n    - {type: webhook, url: "${receiver.url}/hook"}\n`,
      );
      const dir = box.workDir('retry');
      await box.startWrapper(dir, 'r1', 'echo one; sleep 60');
      const stalledOk = () => receiver.requests.filter((r) => (r.json as { status?: string })?.status === 'stalled').length >= 2;
      const stderr = await passes(stalledOk, 3);
      const statuses = receiver.requests.map((r) => (r.json as { status: string }).status);
      expect(statuses.filter((s) => s === 'stalled')).toHaveLength(2); // one 500, one 200, never a third
      expect(stderr).toMatch(/could not deliver the stalled report/);
      const body = receiver.requests[1].json as { severity: string; marker: { run_id: string } };
      expect(body.severity).toBe('warning');
      expect(body.marker.run_id).toBe('r1');
      expect(box.history().filter((h) => h.status === 'stalled')).toHaveLength(1);
      const state = JSON.parse(readFileSync(join(box.stateDir, 'ops-state.json'), 'utf8')) as { outbox: unknown[] };
      expect(state.outbox).toEqual([]);
    } finally {
      await receiver.close();
    }
  });
});

describe('idle-GPU alert', () => {
  const writeGpus = (text: string) => {
    const file = join(box.root, 'gpus.csv');
    writeFileSync(file, text);
    return { PATH: `${FAKE_GPU_BIN}:${process.env.PATH}`, FAKE_NVIDIA_SMI_FILE: file };
  };
  const chatty = 'while true; do echo step; sleep 0.2; done';

  test('GPUs at 0 % while the run lives: one gpu_idle report per episode', async () => {
    box.writeConfig('monitor:\n  stall_after: off\n  gpu_idle: {threshold: 5, after: 2s}\n');
    const env = writeGpus('0, NVIDIA H100 80GB HBM3, 81559, 1024, 0\n1, NVIDIA H100 80GB HBM3, 81559, 2048, 3\n');
    const dir = box.workDir('idle');
    await box.startWrapper(dir, 'g1', chatty, env);
    await passes(() => countReports(box.notifications(), /GPUs idle/) > 0, 4);
    const text = box.notifications();
    expect(countReports(text, /GPUs idle/)).toBe(1);
    expect(text).toMatch(/GPU 0: 0%, 1024\/\? MiB|GPU 0: 0%, 1024\/81559 MiB/);
    expect(box.history().map((h) => h.status)).toEqual(['gpu_idle']);
  });

  test('MIG readings ([N/A]) never count as idle', async () => {
    box.writeConfig('monitor:\n  stall_after: off\n  gpu_idle: {threshold: 5, after: 1s}\n');
    const env = writeGpus('0, NVIDIA A100-SXM4-80GB MIG 3g.40gb, [N/A], [N/A], [N/A]\n');
    const dir = box.workDir('mig');
    await box.startWrapper(dir, 'm1', chatty, env);
    const started = Date.now();
    // Passes for well over the idle time (3 s against 1 s): no report may come.
    await passes(() => Date.now() - started > 3000, 2);
    expect(box.notifications()).toBe('');
    expect(box.history()).toEqual([]);
  });
});
