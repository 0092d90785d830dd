#!/usr/bin/env node
// Stop latency: from the moment a control file lands in the work dir (as `train-monitor stop` writes it: temp
// file + rename) to the moment the wrapped command receives the signal. The command is a small Node script that
// notes the time it got the signal; both sides read the same clock (one machine). Each run waits a random part of
// the control interval before writing, so the polling phase is sampled evenly. Target: at most 5 s.
//
//   node bench/stop-latency.mjs                                  # 10 runs each of TERM and USR1, default interval
//   node bench/stop-latency.mjs --repeats 20 --interval 5 --dir /nfs/scratch/me --json out.json
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo, hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { benchEnv, formatTable, median } from './lib/measure.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const WRAPPER = join(ROOT, 'bin', 'train-wrapper');
const TARGET_S = 5;
const DEFAULT_INTERVAL_S = 2; // the wrapper's own default (--control-interval)

const { values: opts } = parseArgs({
  options: {
    repeats: { type: 'string', default: '10' },
    interval: { type: 'string' },
    dir: { type: 'string' },
    json: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (opts.help) {
  process.stdout.write(
    'usage: node bench/stop-latency.mjs [--repeats N] [--interval S] [--dir DIR] [--json FILE]\n' +
      '  --interval  the wrapper\'s --control-interval in seconds (default: its own default, 2)\n' +
      '  --dir       where the work dirs go (default: the system temp dir); try it on your NFS/Lustre\n',
  );
  process.exit(0);
}
if (!existsSync(join(ROOT, 'dist', 'train-wrapper.mjs'))) {
  process.stderr.write('stop-latency: dist/ is missing: run `npm run build` first\n');
  process.exit(2);
}
const repeats = Number(opts.repeats);
const intervalS = opts.interval ? Number(opts.interval) : DEFAULT_INTERVAL_S;
const base = mkdtempSync(join(opts.dir ?? tmpdir(), 'hpc-run-bench-stop-'));

// The wrapped command: says ready, writes the wall-clock ms at which the first signal came, then exits.
const RECEIVER = `
const { writeFileSync } = require('node:fs');
for (const s of ['SIGTERM', 'SIGINT', 'SIGUSR1', 'SIGUSR2']) process.on(s, () => {
  writeFileSync('received.txt', String(performance.timeOrigin + performance.now()));
  process.exit(0);
});
setInterval(() => {}, 1000);
console.log('ready');
`;

// An environment for the wrapper with a private state dir and no Slurm job around it (see lib/measure.mjs).
const runEnv = () => benchEnv({ HPC_RUN_STATE_DIR: join(base, 'state') });

// One run: start the wrapper, wait for ready, write the control file, time until the command got the signal.
async function measureOnce(signal, index) {
  const workDir = join(base, `work-${signal}-${index}`);
  mkdirSync(workDir, { recursive: true });
  const args = ['--work-dir', workDir, '--quiet', '--run-id', 'bench', '--control-interval', String(intervalS), '--', process.execPath, '-e', RECEIVER];
  const child = spawn(WRAPPER, args, { env: runEnv(), stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => child.on('close', (code) => resolve(code)));
  await new Promise((resolve, reject) => {
    let seen = '';
    child.stdout.on('data', (d) => {
      seen += d;
      if (seen.includes('ready')) resolve();
    });
    child.on('close', () => reject(new Error(`the wrapper ended before its command was ready:\n${seen}`)));
  });
  await new Promise((r) => setTimeout(r, Math.random() * intervalS * 1000));
  const path = join(workDir, '.train_control.bench.json');
  const request = { schema: 1, run_id: 'bench', signal, reason: 'benchmark', by: `${userInfo().username}@${hostname()}`, at: new Date().toISOString(), nonce: randomUUID() };
  writeFileSync(`${path}.tmp`, `${JSON.stringify(request)}\n`);
  const writtenAt = performance.timeOrigin + performance.now();
  renameSync(`${path}.tmp`, path);
  const code = await exited;
  const received = Number(readFileSync(join(workDir, 'received.txt'), 'utf8'));
  rmSync(workDir, { recursive: true, force: true });
  if (code !== 0 && code !== 143) throw new Error(`wrapper exit ${code}`);
  return (received - writtenAt) / 1000;
}

const results = [];
try {
  process.stderr.write(`control interval ${intervalS} s, ${repeats} runs per signal, work dirs in ${base}\n`);
  for (const signal of ['TERM', 'USR1']) {
    const latencies = [];
    for (let i = 0; i < repeats; i += 1) {
      latencies.push(await measureOnce(signal, i));
      process.stderr.write('.');
    }
    process.stderr.write('\n');
    latencies.sort((a, b) => a - b);
    results.push({ signal, runs: repeats, median_s: median(latencies), max_s: latencies[latencies.length - 1], min_s: latencies[0] });
  }
  const rows = results.map((r) => [r.signal, String(r.runs), r.min_s.toFixed(3), r.median_s.toFixed(3), r.max_s.toFixed(3), r.max_s <= TARGET_S ? 'yes' : 'NO']);
  process.stdout.write(`${formatTable(['signal', 'runs', 'min s', 'median s', 'max s', `max ≤ ${TARGET_S} s`], rows)}\n`);
  if (opts.json) writeFileSync(opts.json, `${JSON.stringify({ interval_s: intervalS, target_s: TARGET_S, results }, null, 2)}\n`);
  process.exitCode = results.every((r) => r.max_s <= TARGET_S) ? 0 : 1;
} finally {
  rmSync(base, { recursive: true, force: true });
}
