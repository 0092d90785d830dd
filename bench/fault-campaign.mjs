#!/usr/bin/env node
// Fault campaign for delivery (issue 13): real train-monitor processes, a loopback webhook receiver, SIGKILL and
// SIGSTOP at random moments. Prints, per loop: runs lost (must be 0), duplicates (0 except a monitor killed during
// a send, and then every copy carries one delivery id), and markers or claims left behind (0).
// Needs a build first (npm run build). Scale with CAMPAIGN_ROUNDS (crash loop, default 50) and
// CAMPAIGN_MARKERS (multi-monitor loop, default 600); CAMPAIGN_OUTAGE_S (default 60) is the 500 phase;
// CAMPAIGN_LOOPS=crash,multi,stall,outage picks loops.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = new URL('..', import.meta.url).pathname;
const MONITOR = join(ROOT, 'bin', 'train-monitor');
const ROUNDS = Number(process.env.CAMPAIGN_ROUNDS ?? 50);
const MARKERS = Number(process.env.CAMPAIGN_MARKERS ?? 600);
const OUTAGE_S = Number(process.env.CAMPAIGN_OUTAGE_S ?? 60);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A webhook receiver on 127.0.0.1: `answer(i)` says what to do with request i ({status, delayMs} or {hang}).
async function startReceiver(answer) {
  const requests = [];
  const sockets = new Set();
  let inflight = 0;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      let json = null;
      try {
        json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {}
      const i = requests.length;
      const a = answer(i);
      const record = { runId: json?.marker?.run_id, key: req.headers['idempotency-key'], bodyId: json?.delivery_id, status: a.hang ? 'hang' : a.status };
      requests.push(record);
      if (a.hang) return;
      inflight += 1;
      setTimeout(() => {
        inflight -= 1;
        res.writeHead(a.status, { 'content-type': 'application/json' });
        res.end('{}');
      }, a.delayMs ?? 0);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}/hook`,
    requests,
    inflight: () => inflight,
    setAnswer: (f) => (answer = f),
    close: () => new Promise((r) => { for (const s of sockets) s.destroy(); server.close(r); }),
  };
}

function makeMarker(dir, runId) {
  const now = new Date().toISOString();
  const marker = { timestamp: now, status: 'success', exit_code: 0, log_file: null, schema: 1, signal: null, run_id: runId, command: `python train.py --run ${runId}`, work_dir: dir, host: 'gpu001', user: 'alice', pid: 1000 + Math.floor(Math.random() * 1e6), started_at: now, ended_at: now, duration_s: 1, slurm: null, gpus: [], wrapper_version: 'bench' };
  writeFileSync(join(dir, `.train_complete.${runId}.json`), JSON.stringify(marker));
}

function monitor(args, env) {
  const child = spawn(MONITOR, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise((r) => child.on('close', (code, signal) => r({ code, signal, stderr })));
  return { child, done };
}

function leftBehind(dirs) {
  return dirs.flatMap((d) => readdirSync(d).filter((n) => n.startsWith('.train_')));
}

// Accepted (2xx) copies per run; a duplicate is a run accepted more than once. `killedKeys` are runs whose
// extra copies were sent by a monitor killed during the send (its request reached the receiver).
function tally(name, expected, requests, dirs, extra = {}) {
  const byRun = new Map();
  for (const r of requests) {
    if (!byRun.has(r.runId)) byRun.set(r.runId, []);
    byRun.get(r.runId).push(r);
  }
  const accepted = (r) => typeof r.status === 'number' && r.status < 300;
  const lost = expected.filter((id) => !(byRun.get(id) ?? []).some(accepted)).length;
  const dupRuns = [...byRun.entries()].filter(([, rs]) => rs.filter(accepted).length > 1 || (rs.some(accepted) && rs.some((r) => r.status === 'hang' || r.killed)));
  const received = [...byRun.values()].filter((rs) => rs.length > 1);
  const oneId = received.every((rs) => new Set(rs.map((r) => r.key)).size === 1 && rs.every((r) => r.bodyId === r.key));
  const left = leftBehind(dirs);
  const line = { loop: name, runs: expected.length, requests: requests.length, lost, duplicates: dupRuns.length, every_copy_one_delivery_id: oneId, left_behind: left.length, ...extra };
  console.log(JSON.stringify(line));
  if (left.length) console.log(`  left: ${left.slice(0, 10).join(' ')}`);
  return line;
}

function sandbox(name, dirCount = 1) {
  const root = mkdtempSync(join(tmpdir(), `hpc-run-campaign-${name}-`));
  const dirs = Array.from({ length: dirCount }, (_, i) => join(root, `work${i}`));
  for (const d of dirs) mkdirSync(d, { recursive: true });
  const env = (state = 'state') => {
    const e = { ...process.env, HPC_RUN_STATE_DIR: join(root, state), HOME: root };
    for (const k of Object.keys(e)) if (k.startsWith('SLURM_') || k === 'NODE_OPTIONS' || k === 'HPC_RUN_TEST_PAUSE_AT') delete e[k];
    return e;
  };
  const config = (url, claimTimeout = 60) => {
    const path = join(root, 'config.yaml');
    writeFileSync(path, `notification:\n  channels:\n    - {type: webhook, url: "${url}", timeout: 5}\nmonitor:\n  retry_base: 1\n  retry_max: 4\n  claim_timeout: ${claimTimeout}\n`);
    return path;
  };
  return { root, dirs, env, config, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

async function drain(box, cfg, until, maxRuns = 60) {
  for (let i = 0; i < maxRuns && !until(); i += 1) {
    await monitor(['--once', '--quiet', '--config', cfg, ...box.dirs.flatMap((d) => ['--work-dir', d])], box.env()).done;
    if (!until()) await sleep(500);
  }
}

// 1. Crash loop: each round writes 10 markers and SIGKILLs a monitor at a random moment within 2 s.
async function crashLoop() {
  const box = sandbox('crash');
  const rx = await startReceiver(() => ({ status: 200, delayMs: 200 }));
  const cfg = box.config(rx.url);
  const ids = [];
  let killsDuringSend = 0;
  let killsBeforeFirstSend = 0;
  try {
    for (let round = 0; round < ROUNDS; round += 1) {
      for (let i = 0; i < 10; i += 1) {
        const id = `c${round}_${i}`;
        makeMarker(box.dirs[0], id);
        ids.push(id);
      }
      const m = monitor(['--once', '--quiet', '--config', cfg, '--work-dir', box.dirs[0]], box.env());
      const before = rx.requests.length;
      await sleep(Math.random() * 2000);
      if (rx.inflight() > 0) killsDuringSend += 1;
      else if (rx.requests.length === before) killsBeforeFirstSend += 1;
      m.child.kill('SIGKILL');
      await m.done;
    }
    await drain(box, cfg, () => leftBehind(box.dirs).length === 0);
    await sleep(300);
    return tally('crash loop', ids, rx.requests, box.dirs, { rounds: ROUNDS, kills_during_a_send: killsDuringSend, kills_before_any_send: killsBeforeFirstSend });
  } finally {
    await rx.close();
    box.cleanup();
  }
}

// 2. Four long-running monitors (each its own state dir, as on four login nodes) and eleven --once monitors.
async function multiMonitor() {
  const box = sandbox('multi', 6);
  const rx = await startReceiver(() => ({ status: 200 }));
  const cfg = box.config(rx.url);
  const ids = [];
  for (let i = 0; i < MARKERS; i += 1) {
    const id = `m${i}`;
    makeMarker(box.dirs[i % box.dirs.length], id);
    ids.push(id);
  }
  const workArgs = box.dirs.flatMap((d) => ['--work-dir', d]);
  const longRunning = [0, 1, 2, 3].map((n) => monitor(['--interval', '1', '--quiet', '--config', cfg, ...workArgs], box.env(`state${n}`)));
  try {
    await Promise.all(Array.from({ length: 11 }, (_, n) => sleep(n * 150).then(() => monitor(['--once', '--quiet', '--config', cfg, ...workArgs], box.env()).done)));
    for (let i = 0; i < 120 && leftBehind(box.dirs).length > 0; i += 1) await sleep(500);
  } finally {
    for (const m of longRunning) m.child.kill('SIGTERM');
    await Promise.all(longRunning.map((m) => m.done));
  }
  await rx.close();
  const line = tally('4 long-running + 11 --once', ids, rx.requests, box.dirs);
  box.cleanup();
  return line;
}

// 3. A monitor stopped (SIGSTOP) during a failing send for longer than claim_timeout while another delivers.
async function stalledMonitor() {
  const box = sandbox('stall');
  const ids = [];
  const rx = await startReceiver(() => ({ status: 200 }));
  const cfg = box.config(rx.url, 3);
  try {
    for (let round = 0; round < 5; round += 1) {
      const id = `s${round}`;
      makeMarker(box.dirs[0], id);
      ids.push(id);
      const first = rx.requests.length;
      rx.setAnswer((i) => (i === first ? { status: 500, delayMs: 3000 } : { status: 200 }));
      const m1 = monitor(['--once', '--quiet', '--config', cfg, '--work-dir', box.dirs[0]], box.env());
      while (rx.requests.length === first) await sleep(50);
      m1.child.kill('SIGSTOP');
      await drain(box, cfg, () => rx.requests.length >= first + 2, 40);
      await sleep(1000);
      m1.child.kill('SIGCONT');
      await m1.done;
      await drain(box, cfg, () => leftBehind(box.dirs).length === 0, 10);
      await monitor(['--once', '--quiet', '--config', cfg, '--work-dir', box.dirs[0]], box.env()).done;
    }
    return tally('stalled past claim_timeout', ids, rx.requests, box.dirs, { rounds: 5 });
  } finally {
    await rx.close();
    box.cleanup();
  }
}

// 4. The receiver answers 500 for OUTAGE_S, then hangs (every request times out) for 20 s, then recovers.
async function outage() {
  const box = sandbox('outage');
  const start = Date.now();
  const rx = await startReceiver(() => {
    const t = (Date.now() - start) / 1000;
    return t < OUTAGE_S ? { status: 500 } : t < OUTAGE_S + 20 ? { hang: true } : { status: 200 };
  });
  const cfg = box.config(rx.url);
  const ids = [];
  for (let i = 0; i < 20; i += 1) {
    makeMarker(box.dirs[0], `o${i}`);
    ids.push(`o${i}`);
  }
  const m = monitor(['--interval', '1', '--quiet', '--config', cfg, '--work-dir', box.dirs[0]], box.env());
  try {
    for (let i = 0; i < 2 * (OUTAGE_S + 60) && leftBehind(box.dirs).length > 0; i += 1) await sleep(500);
  } finally {
    m.child.kill('SIGTERM');
    await m.done;
  }
  await rx.close();
  const line = tally(`receiver 500 for ${OUTAGE_S} s, then hanging 20 s`, ids, rx.requests.filter((r) => r.status !== 500 && r.status !== 'hang'), box.dirs, { failed_attempts: rx.requests.filter((r) => r.status === 500 || r.status === 'hang').length });
  box.cleanup();
  return line;
}

const started = Date.now();
const results = [];
const only = process.env.CAMPAIGN_LOOPS ? process.env.CAMPAIGN_LOOPS.split(',') : null;
const loops = { crash: crashLoop, multi: multiMonitor, stall: stalledMonitor, outage };
for (const [name, loop] of Object.entries(loops)) if (!only || only.includes(name)) results.push(await loop());
console.log(`campaign done in ${Math.round((Date.now() - started) / 1000)} s`);
process.exitCode = results.some((r) => r.lost > 0 || r.left_behind > 0 || !r.every_copy_one_delivery_id) ? 1 : 0;
