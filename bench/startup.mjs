#!/usr/bin/env node
// Start-up of both programs against `node -e 0`, in paired rounds (each round runs all three, in a rotating
// order, so drift in machine load hits every side alike); medians of wall time and of the per-round ratios.
//   train-wrapper --quiet --work-dir D -- true     (a fresh D each run; the marker and heartbeat are written)
//   train-monitor --once --work-dir E              (an empty work dir; no config)
//
//   node bench/startup.mjs [--runs 21] [--json FILE]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { formatTable, median } from './lib/measure.mjs';

const ROOT = new URL('..', import.meta.url).pathname;
const TARGET_RATIO = 1.3;
const { values: opts } = parseArgs({ options: { runs: { type: 'string', default: '21' }, json: { type: 'string' } }, strict: false });
const RUNS = Number(opts.runs);

const tmp = mkdtempSync(join(tmpdir(), 'hpc-run-bench-'));
const env = { PATH: process.env.PATH, HOME: tmp, HPC_RUN_STATE_DIR: join(tmp, 'state') };
const empty = join(tmp, 'empty');
mkdirSync(empty);
let n = 0;

const sides = {
  node: () => [process.execPath, ['-e', '0']],
  wrapper: () => {
    const dir = join(tmp, `work-${(n += 1)}`);
    mkdirSync(dir);
    return [join(ROOT, 'bin', 'train-wrapper'), ['--quiet', '--work-dir', dir, '--', 'true']];
  },
  monitor: () => [join(ROOT, 'bin', 'train-monitor'), ['--once', '--quiet', '--work-dir', empty]],
};

// Wall milliseconds of one run, from spawn to exit; a failed run stops the benchmark.
function timeOne(side) {
  const [file, args] = sides[side]();
  const start = performance.now();
  const result = spawnSync(file, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = performance.now() - start;
  if (result.status !== 0) throw new Error(`${side}: ${file} ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return ms;
}

try {
  const names = Object.keys(sides);
  for (const side of names) timeOne(side); // warm the file cache
  const times = { node: [], wrapper: [], monitor: [] };
  for (let i = 0; i < RUNS; i += 1) {
    const order = names.map((_, k) => names[(i + k) % names.length]);
    for (const side of order) times[side].push(timeOne(side));
  }
  const ratio = (side) => median(times[side].map((ms, i) => ms / times.node[i]));
  const rows = ['wrapper', 'monitor'].map((side) => {
    const r = ratio(side);
    return [side === 'wrapper' ? 'train-wrapper --quiet -- true' : 'train-monitor --once (empty)', median(times[side]).toFixed(1), median(times.node).toFixed(1), r.toFixed(2), r <= TARGET_RATIO ? 'yes' : 'NO'];
  });
  process.stdout.write(`${formatTable(['program', 'median ms', 'node -e 0 ms', 'ratio (median of pairs)', `<= ${TARGET_RATIO}`], rows)}\n`);
  process.stdout.write(`${RUNS} paired rounds\n`);
  if (opts.json) {
    const summary = Object.fromEntries(names.map((s) => [s, { median_ms: median(times[s]), ratio: s === 'node' ? 1 : ratio(s) }]));
    writeFileSync(opts.json, `${JSON.stringify({ runs: RUNS, ...summary }, null, 2)}\n`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
