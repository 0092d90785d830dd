#!/usr/bin/env node
// Start-up of both programs against `node -e 0`, in paired rounds (each round runs all three, in a rotating
// order, so drift in machine load hits every side alike); medians of wall time and of the per-round ratios.
//   train-wrapper --quiet --work-dir D -- true     (a fresh D each run; the marker and heartbeat are written)
//   train-monitor --once --work-dir E              (an empty work dir; no config)
// and, as a floor under the wrapper's figure, bench/lib/startup-floor.cjs -- the least a Node program must do to
// run `true` with its output teed into a log and a heartbeat and a durable marker written (see that file).
//
//   node bench/startup.mjs [--runs 21] [--json FILE]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { benchEnv, formatTable, median } from './lib/measure.mjs';

const ROOT = new URL('..', import.meta.url).pathname;
const TARGET_RATIO = 1.3;
const { values: opts } = parseArgs({ options: { runs: { type: 'string', default: '21' }, json: { type: 'string' } }, strict: false });
const RUNS = Number(opts.runs);

const tmp = mkdtempSync(join(tmpdir(), 'hpc-run-bench-'));
const env = benchEnv({ HOME: tmp, HPC_RUN_STATE_DIR: join(tmp, 'state') });
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
  floor: () => floor([]),
  floor2: () => floor(['--two-spawns']),
};
function floor(mode) {
  const dir = join(tmp, `floor-${(n += 1)}`);
  mkdirSync(dir);
  return [process.execPath, [join(ROOT, 'bench', 'lib', 'startup-floor.cjs'), ...mode, dir, 'true']];
}
const LABELS = {
  wrapper: 'train-wrapper --quiet -- true',
  monitor: 'train-monitor --once (empty)',
  floor: 'floor: node + tees + marker (startup-floor.cjs)',
  floor2: 'the floor with two spawns, as the wrapper',
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
  const times = Object.fromEntries(names.map((side) => [side, []]));
  for (let i = 0; i < RUNS; i += 1) {
    const order = names.map((_, k) => names[(i + k) % names.length]);
    for (const side of order) times[side].push(timeOne(side));
  }
  const ratio = (side) => median(times[side].map((ms, i) => ms / times.node[i]));
  const rows = ['wrapper', 'monitor', 'floor', 'floor2'].map((side) => {
    const r = ratio(side);
    return [LABELS[side], median(times[side]).toFixed(1), median(times.node).toFixed(1), r.toFixed(2), r <= TARGET_RATIO ? 'yes' : 'NO'];
  });
  process.stdout.write(`${formatTable(['program', 'median ms', 'node -e 0 ms', 'ratio (median of pairs)', `<= ${TARGET_RATIO}`], rows)}\n`);
  // What the wrapper costs above the floor: the part a different design of ours could still win back.
  const above = median(times.wrapper.map((ms, i) => ms - times.floor[i]));
  process.stdout.write(`${RUNS} paired rounds; the wrapper takes ${above.toFixed(1)} ms more than the floor (median of pairs)\n`);
  if (opts.json) {
    const summary = Object.fromEntries(names.map((s) => [s, { median_ms: median(times[s]), ratio: s === 'node' ? 1 : ratio(s) }]));
    writeFileSync(opts.json, `${JSON.stringify({ runs: RUNS, ...summary, wrapper_above_floor_ms: above }, null, 2)}\n`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
