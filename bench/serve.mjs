#!/usr/bin/env node
// The status server over 1,000 registered runs: median latency of /api/runs and /metrics as a client sees it
// (the server answers from its snapshot of the runs, read again in the background once older than 1 s), and of
// a cold request (snapshot older than 10 s: the request waits for a read of the spool and 1,000 heartbeats); then a long-running monitor with
// --serve doing 1,000 passes over the same runs, its RSS sampled along the way (flat = no leak).
// Targets: median <= 100 ms each; RSS flat over 1,000 passes. Run after `npm run build`.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const ROOT = new URL('..', import.meta.url).pathname;
const BIN = join(ROOT, 'bin', 'train-monitor');
const RUNS = Number(process.env.BENCH_RUNS ?? 1000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 15);
const COLD = Number(process.env.BENCH_COLD ?? 3);
const PASSES = Number(process.env.BENCH_PASSES ?? 1000);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rssMb = (pid) => Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

// 1,000 live runs: a work dir each with a log and a fresh heartbeat, registered in the spool as the wrapper does.
function makeRuns(tmp) {
  const spool = join(tmp, 'state', 'spool');
  mkdirSync(spool, { recursive: true });
  const now = new Date().toISOString();
  for (let i = 0; i < RUNS; i += 1) {
    const dir = join(tmp, 'runs', `run${i}`);
    mkdirSync(join(dir, 'logs'), { recursive: true });
    writeFileSync(join(dir, 'logs', `train_20260101_000000_r${i}.log`), `step ${i}\n`.repeat(50));
    const heartbeat = { schema: 1, run_id: `r${i}`, pid: 100000 + i, host: 'node1', user: 'u', command: 'python train.py', work_dir: dir, started_at: now,
      log_file: `logs/train_20260101_000000_r${i}.log`, seq: 1, updated_at: now, log_bytes: 400, last_output_at: now, slurm: { job_id: String(5000 + i) },
      attempt: 1, max_attempts: 1, stall_after_s: null, gpus_now: [{ index: 0, utilization_pct: 90, memory_used_mib: 1000, memory_total_mib: 80000 }] };
    writeFileSync(join(dir, `.train_running.r${i}.json`), JSON.stringify(heartbeat));
    const entry = { schema: 1, run_id: `r${i}`, work_dir: dir, marker_file: `.train_complete.r${i}.json`, heartbeat_file: `.train_running.r${i}.json`,
      log_file: heartbeat.log_file, host: 'node1', pid: 100000 + i, started_at: now, slurm_job_id: String(5000 + i) };
    writeFileSync(join(spool, `node1.${100000 + i}.1.json`), JSON.stringify(entry));
  }
}

function start(args, env) {
  const child = spawn(BIN, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const url = (async () => {
    for (let i = 0; i < 600; i += 1) {
      const m = /status page at (http:\/\/\S+)\//.exec(stderr);
      if (m) return m[1];
      await sleep(50);
    }
    throw new Error(`no status server: ${stderr}`);
  })();
  return { child, url };
}

async function time(url) {
  const t0 = performance.now();
  const res = await fetch(url);
  await res.text();
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  return performance.now() - t0;
}

const tmp = mkdtempSync(join(tmpdir(), 'hpc-run-bench-serve-'));
try {
  makeRuns(tmp);
  const env = { ...process.env, HPC_RUN_STATE_DIR: join(tmp, 'state'), HOME: tmp };
  const serve = start(['serve', '--port', '0'], env);
  const base = await serve.url;
  const runs = await (await fetch(`${base}/api/runs`)).json();
  if (runs.length !== RUNS) throw new Error(`expected ${RUNS} runs, got ${runs.length}`);
  const rows = [];
  for (const path of ['/api/runs', '/metrics']) {
    const steady = [];
    for (let i = 0; i < REQUESTS; i += 1) {
      await sleep(700); // a scrape or page tick every 0.7 s: some requests find the snapshot fresh, some stale
      steady.push(await time(base + path));
    }
    rows.push([path, median(steady)]);
  }
  const cold = [];
  for (let i = 0; i < COLD; i += 1) {
    await sleep(10_500); // past the 10 s a snapshot may be served stale
    cold.push(await time(`${base}/api/runs`));
  }
  serve.child.kill('SIGTERM');
  await new Promise((r) => serve.child.once('exit', r));
  console.log(`status server, ${RUNS} live runs (median ms; target <= 100)`);
  console.log('| endpoint | median of ' + REQUESTS + ' requests, 0.7 s apart |');
  console.log('|---|---|');
  for (const [path, steady] of rows) console.log(`| \`${path}\` | ${steady.toFixed(1)} |`);
  console.log(`| \`/api/runs\` cold (no snapshot younger than 10 s; ${COLD} requests) | ${median(cold).toFixed(1)} |`);

  const monitor = start(['--interval', '0.01', '--serve', '0'], env);
  const murl = await monitor.url;
  const samples = [];
  for (;;) {
    const text = await (await fetch(`${murl}/metrics`)).text();
    const passes = Number(/^hpc_run_passes_total (\d+)/m.exec(text)?.[1] ?? 0);
    if (passes >= (samples.length === 0 ? 10 : samples.at(-1).passes + PASSES / 5)) samples.push({ passes, rss: rssMb(monitor.child.pid) });
    if (passes >= PASSES) break;
    await sleep(200);
  }
  monitor.child.kill('SIGTERM');
  await new Promise((r) => monitor.child.once('exit', r));
  console.log(`\nlong-running monitor with --serve, ${RUNS} live runs: RSS by passes`);
  console.log(`| passes | ${samples.map((s) => s.passes).join(' | ')} |`);
  console.log(`|---|${samples.map(() => '---').join('|')}|`);
  console.log(`| RSS MB | ${samples.map((s) => s.rss.toFixed(0)).join(' | ')} |`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
