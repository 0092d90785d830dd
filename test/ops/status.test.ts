import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../helpers/run-bin.js';
import { makeOpsSandbox, sleep, type OpsSandbox } from './ops-sandbox.js';

const ESC = String.fromCharCode(27);

interface Row {
  run_id: string | null;
  work_dir: string;
  job_id: string | null;
  host: string;
  state: string;
  status: string | null;
  exit_code: number | null;
  elapsed_s: number | null;
  last_output_at: string | null;
  gpus: Array<{ index: number; utilization_pct: number | null }>;
  last_line: string | null;
  attempt: number | null;
}

let box: OpsSandbox;
const dirs: Record<string, string> = {};

// One sandbox for the suite: a running, a stalled, an ended and a lost run, watched by real monitor passes.
beforeAll(async () => {
  box = makeOpsSandbox();
  // Deliveries fail (nothing listens on port 9): the ended run's marker stays, and so does the lost one's.
  box.writeConfig('monitor:\n  stall_after: 2s\n  gpu_idle: off\nnotification:\n  channels:\n    - {type: webhook, url: "http://127.0.0.1:9/hook", timeout: 2}\n');
  for (const name of ['running', 'stalled', 'ended', 'lost']) dirs[name] = box.workDir(name);
  await box.startWrapper(dirs.running, 'run-a', 'while true; do printf "\\033[32mstep %s\\033[0m loss 0.1\\n" $$; sleep 0.3; done');
  await box.startWrapper(dirs.stalled, 'run-b', 'echo "waiting for NCCL"; sleep 120');
  const ended = await box.startWrapper(dirs.ended, 'run-c', 'echo "Traceback: boom"; exit 3', {}, { waitForStart: false });
  await ended.done;
  // A run whose wrapper died: its heartbeat (with the newer fields, written by hand) never changes again.
  const spool = join(box.stateDir, 'spool');
  mkdirSync(spool, { recursive: true });
  mkdirSync(join(dirs.lost, 'logs'), { recursive: true });
  writeFileSync(join(dirs.lost, 'logs', 'train_d.log'), 'epoch 1\nepoch 2\n');
  writeFileSync(join(spool, 'gpu9.1.1.json'), JSON.stringify({
    schema: 1, run_id: 'run-d', work_dir: dirs.lost, marker_file: '.train_complete.run-d.json', heartbeat_file: '.train_running.run-d.json',
    log_file: 'logs/train_d.log', host: 'gpu9', pid: 1, started_at: new Date(Date.now() - 3600_000).toISOString(), slurm_job_id: '4242',
  }));
  writeFileSync(join(dirs.lost, '.train_running.run-d.json'), JSON.stringify({
    schema: 1, run_id: 'run-d', pid: 1, host: 'gpu9', user: 'u', command: 'python train.py', work_dir: dirs.lost,
    started_at: new Date(Date.now() - 3600_000).toISOString(),
    log_file: 'logs/train_d.log', seq: 7, updated_at: '', log_bytes: 16, last_output_at: null,
    slurm: {
      job_id: '4242', array_job_id: null, array_task_id: null, job_name: 'bert', partition: 'gpu', nodelist: 'gpu9', restart_count: 0,
    },
    attempt: 2, max_attempts: 3, stall_after_s: null,
    gpus_now: [
      { index: 0, utilization_pct: 97, memory_used_mib: 70000, memory_total_mib: 81559 },
      { index: 1, utilization_pct: null, memory_used_mib: null, memory_total_mib: null },
    ],
  }));
  // Passes until the quiet run is stalled and the dead one declared lost (its Slurm job unknown here).
  const opsState = () =>
    (existsSync(join(box.stateDir, 'ops-state.json')) ? readFileSync(join(box.stateDir, 'ops-state.json'), 'utf8') : '');
  await waitFor(async () => {
    await box.monitor(['--once', '--config', box.configPath, '--stale-after', '4'], { PATH: `/nonexistent:${process.env.PATH}` });
    await sleep(300);
    return /"stall":\{/.test(opsState()) && existsSync(join(dirs.lost, '.train_complete.run-d.json'));
  }, 90_000, 0);
}, 120_000);
afterAll(() => box.cleanup());

const statusJson = async (args: string[] = []) => {
  const result = await box.monitor(['status', '--json', ...args]);
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as Row[];
};

describe('train-monitor status', () => {
  test('--json: a running, a stalled, an ended (delivery failing) and a lost run', async () => {
    const rows = await statusJson();
    const by = Object.fromEntries(rows.map((r) => [r.run_id, r]));
    expect(Object.keys(by).sort()).toEqual(['run-a', 'run-b', 'run-c', 'run-d']);
    expect(by['run-a'].state).toBe('running');
    expect(by['run-a'].last_line).toMatch(/^step \d+ loss 0\.1$/); // ANSI colours stripped
    expect(by['run-a'].work_dir).toBe(dirs.running);
    expect(by['run-a'].elapsed_s).toEqual(expect.any(Number));
    expect(by['run-a'].last_output_at).toEqual(expect.any(String));
    expect(by['run-b'].state).toBe('stalled');
    expect(by['run-b'].last_line).toBe('waiting for NCCL');
    expect(by['run-c']).toMatchObject({ state: 'delivery_failing', status: 'failed', exit_code: 3, last_line: 'Traceback: boom' });
    expect(by['run-d']).toMatchObject({ state: 'lost', status: 'lost', job_id: '4242', host: 'gpu9', last_line: 'epoch 2' });
    for (const row of rows)
      expect(Object.keys(row)).toEqual(
        expect.arrayContaining(['run_id', 'work_dir', 'job_id', 'host', 'state', 'elapsed_s', 'last_output_at']),
      );
  });

  test('the table: one line per run with state, GPU and the last line cut to the width; ' +
    'colours only when asked and never with NO_COLOR', async () => {
    // A live run from a newer wrapper (written by hand): GPU readings now, one of them MIG [N/A].
    const gpuDir = box.workDir('gpus');
    const started = new Date().toISOString();
    writeFileSync(join(box.stateDir, 'spool', 'gpu3.5.5.json'), JSON.stringify({
      schema: 1, run_id: 'run-e', work_dir: gpuDir, marker_file: '.train_complete.run-e.json', heartbeat_file: '.train_running.run-e.json',
      log_file: 'logs/e.log', host: 'gpu3', pid: 5, started_at: started, slurm_job_id: null,
    }));
    writeFileSync(join(gpuDir, '.train_running.run-e.json'), JSON.stringify({
      schema: 1, run_id: 'run-e', pid: 5, host: 'gpu3', user: 'u', command: 'python e.py', work_dir: gpuDir, started_at: started,
      log_file: 'logs/e.log', seq: 1, updated_at: started, log_bytes: 0, last_output_at: null, slurm: null, attempt: 2, max_attempts: 3,
      gpus_now: [
        { index: 0, utilization_pct: 93, memory_used_mib: 70000, memory_total_mib: 81559 },
        { index: 1, utilization_pct: null, memory_used_mib: null, memory_total_mib: null },
      ],
    }));
    const plain = await box.monitor(['status'], { COLUMNS: '100' });
    expect(plain.code).toBe(0);
    const lines = plain.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^RUN\s+JOB\s+HOST\s+STATE\s+ELAPSED\s+OUTPUT\s+GPU\s+LAST LINE$/);
    expect(lines).toHaveLength(6);
    expect(lines.find((l) => l.startsWith('run-e'))).toMatch(/^run-e\s+-\s+gpu3\s+running \(2\/3\)\s+\S+\s+-\s+2×93% 68\.4G\s*$/);
    expect(lines.find((l) => l.startsWith('run-b'))).toMatch(/stalled/);
    expect(lines.find((l) => l.startsWith('run-c'))).toMatch(/delivery failing \(failed 3\)/);
    expect(lines.find((l) => l.startsWith('run-a'))).toMatch(/running .*ago/);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(100);
    expect(plain.stdout).not.toContain(`${ESC}[`);
    const forced = await box.monitor(['status'], { FORCE_COLOR: '1' });
    expect(forced.stdout).toMatch(new RegExp(`${ESC}\\[3\\dm`));
    const noColor = await box.monitor(['status'], { FORCE_COLOR: '1', NO_COLOR: '1' });
    expect(noColor.stdout).not.toContain(`${ESC}[`);
  });

  test('--work-dir narrows it; --all adds delivered runs from the history', async () => {
    const only = await statusJson(['--work-dir', dirs.stalled]);
    expect(only.map((r) => r.run_id)).toEqual(['run-b']);
    const historyLine = {
      at: new Date().toISOString(), kind: 'end', status: 'success', severity: 'info', title: '✅ success · old', run_id: 'old-1',
      work_dir: join(box.root, 'old'), job_id: '77', host: 'gpu1', command: 'python old.py', log_file: null,
      started_at: '2026-01-01T00:00:00Z', ended_at: '2026-01-01T01:00:00Z', duration_s: 3600, exit_code: 0, channels: ['console'],
    };
    writeFileSync(join(box.stateDir, 'history.jsonl'), `${JSON.stringify(historyLine)}\nnot json\n`);
    expect((await statusJson()).map((r) => r.run_id)).not.toContain('old-1');
    const all = await statusJson(['--all']);
    expect(all.find((r) => r.run_id === 'old-1')).toMatchObject({ state: 'delivered', status: 'success', job_id: '77', elapsed_s: 3600 });
  });

  test('a bad flag is one usage line and exit 2', async () => {
    const result = await box.monitor(['status', '--colour']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown flag --colour/);
    expect(result.stderr).not.toMatch(/at .*\.js/);
  });
});
