#!/usr/bin/env node
// `train-monitor status` over 1,000 registered live runs (spool entry, heartbeat with GPU readings, log each):
// the whole command as a user runs it (node start-up included), table and --json, and collectRuns() in-process.
// Target <= 300 ms. Needs a build first: npm run build
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { benchEnv } from './lib/measure.mjs';

const ROOT = new URL('..', import.meta.url).pathname;
const RUNS = Number(process.env.BENCH_RUNS_REGISTERED ?? 1000);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 7);
const TARGET_MS = 300;

const tmp = mkdtempSync(join(tmpdir(), 'hpc-run-bench-status-'));
try {
  const state = join(tmp, 'state');
  const spool = join(state, 'spool');
  mkdirSync(spool, { recursive: true });
  const started = new Date(Date.now() - 3600_000).toISOString();
  for (let i = 0; i < RUNS; i += 1) {
    const dir = join(tmp, 'runs', `run${i}`);
    mkdirSync(join(dir, 'logs'), { recursive: true });
    writeFileSync(join(dir, 'logs', 'train.log'), `${'epoch 1 step 100 loss 0.5\n'.repeat(200)}\u001b[32mepoch 2 step ${i}\u001b[0m\n`);
    const entry = { schema: 1, run_id: `r${i}`, work_dir: dir, marker_file: `.train_complete.r${i}.json`, heartbeat_file: `.train_running.r${i}.json`, log_file: 'logs/train.log', host: `gpu${i % 50}`, pid: i, started_at: started, slurm_job_id: String(100000 + i) };
    writeFileSync(join(spool, `gpu.${i}.1.json`), JSON.stringify(entry));
    const heartbeat = { schema: 1, run_id: `r${i}`, pid: i, host: `gpu${i % 50}`, user: 'u', command: 'python train.py', work_dir: dir, started_at: started, log_file: 'logs/train.log', seq: 5, updated_at: started, log_bytes: 5000, last_output_at: started, slurm: { job_id: String(100000 + i), array_job_id: null, array_task_id: null, job_name: 'bert', partition: 'gpu', nodelist: 'n', restart_count: 0 }, gpus_now: [{ index: 0, utilization_pct: 90, memory_used_mib: 70000, memory_total_mib: 81559 }] };
    writeFileSync(join(dir, `.train_running.r${i}.json`), JSON.stringify(heartbeat));
  }
  const env = benchEnv({ HPC_RUN_STATE_DIR: state, COLUMNS: '160' });
  const median = (times) => times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
  const report = (label, ms) => console.log(`${label}: median ${ms.toFixed(1)} ms over ${REPEAT} runs (target <= ${TARGET_MS}) ${ms <= TARGET_MS ? 'OK' : 'OVER TARGET'}`);
  for (const args of [['--version'], ['status'], ['status', '--json']]) {
    const times = [];
    for (let i = 0; i <= REPEAT; i += 1) {
      const start = performance.now();
      const result = spawnSync(join(ROOT, 'bin', 'train-monitor'), args, { env, encoding: 'utf8' });
      const ms = performance.now() - start;
      if (result.status !== 0) throw new Error(result.stderr);
      const rows = args.includes('--json') ? JSON.parse(result.stdout).length : result.stdout.trim().split('\n').length - 1;
      if (args[0] === 'status' && rows !== RUNS) throw new Error(`expected ${RUNS} rows, got ${rows}`);
      if (i > 0) times.push(ms); // the first run warms the spool index and the page cache
    }
    if (args[0] === '--version') console.log(`baseline: train-monitor --version (node start-up): median ${median(times).toFixed(1)} ms`);
    else report(`train-monitor ${args.join(' ')} (${RUNS} runs, whole command)`, median(times));
  }
  const { collectRuns } = await import(join(ROOT, 'lib', 'ops', 'runs.ts'));
  const times = [];
  for (let i = 0; i <= REPEAT; i += 1) {
    const start = performance.now();
    await collectRuns({ env });
    if (i > 0) times.push(performance.now() - start);
  }
  report(`collectRuns() in-process (${RUNS} runs)`, median(times));
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
