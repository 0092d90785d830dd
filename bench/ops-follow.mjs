#!/usr/bin/env node
// `train-monitor follow` latency: a live run (spool entry, heartbeat, log) is followed; a line appended to its log
// is timed until follow prints it. Polling every 500 ms (NFS-safe), so expect ~250 ms on average, 500 ms + a read
// at worst. Target <= 1.5 s. Needs a build first: npm run build
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const ROOT = new URL('..', import.meta.url).pathname;
const LINES = Number(process.env.BENCH_FOLLOW_LINES ?? 15);
const TARGET_MS = 1500;

const tmp = mkdtempSync(join(tmpdir(), 'hpc-run-bench-follow-'));
const dir = join(tmp, 'run');
const spool = join(tmp, 'state', 'spool');
mkdirSync(join(dir, 'logs'), { recursive: true });
mkdirSync(spool, { recursive: true });
const log = join(dir, 'logs', 'train.log');
writeFileSync(log, 'start\n');
const started = new Date().toISOString();
writeFileSync(join(spool, 'n.1.1.json'), JSON.stringify({ schema: 1, run_id: 'b1', work_dir: dir, marker_file: '.train_complete.b1.json', heartbeat_file: '.train_running.b1.json', log_file: 'logs/train.log', host: 'n', pid: 1, started_at: started, slurm_job_id: null }));
writeFileSync(join(dir, '.train_running.b1.json'), JSON.stringify({ schema: 1, run_id: 'b1', pid: 1, host: 'n', user: 'u', command: 'python train.py', work_dir: dir, started_at: started, log_file: 'logs/train.log', seq: 1, updated_at: started, log_bytes: 6, last_output_at: started, slurm: null }));
const child = spawn(join(ROOT, 'bin', 'train-monitor'), ['follow', 'b1'], { env: { ...process.env, HPC_RUN_STATE_DIR: join(tmp, 'state') }, stdio: ['ignore', 'pipe', 'inherit'] });
let seen = '';
const waiters = [];
child.stdout.setEncoding('utf8').on('data', (d) => {
  seen += d;
  for (const w of [...waiters]) if (seen.includes(w.text)) {
    waiters.splice(waiters.indexOf(w), 1);
    w.resolve(performance.now());
  }
});
const shown = (text) => new Promise((resolve) => (seen.includes(text) ? resolve(performance.now()) : waiters.push({ text, resolve })));
try {
  await shown('start\n');
  const times = [];
  for (let i = 0; i < LINES; i += 1) {
    await new Promise((r) => setTimeout(r, 137 + Math.random() * 400)); // land anywhere in the poll cycle
    const text = `line ${i} ${Math.random()}\n`;
    const t0 = performance.now();
    appendFileSync(log, text);
    times.push((await shown(text)) - t0);
  }
  writeFileSync(join(dir, '.train_complete.b1.json'), JSON.stringify({ timestamp: '', status: 'success', exit_code: 0, log_file: 'logs/train.log', schema: 1 }));
  await new Promise((r) => child.on('close', r));
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  const max = times[times.length - 1];
  console.log(`follow latency over ${LINES} lines: median ${median.toFixed(0)} ms, max ${max.toFixed(0)} ms (target <= ${TARGET_MS}) ${max <= TARGET_MS ? 'OK' : 'OVER TARGET'}`);
} finally {
  child.kill();
  rmSync(tmp, { recursive: true, force: true });
}
