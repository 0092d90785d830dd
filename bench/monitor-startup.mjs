#!/usr/bin/env node
// `train-monitor --once` on an empty work dir versus `node -e 0`: wall-time medians and their ratio
// (target <= 3: only yargs is loaded on this path). Needs a build first: npx tsc -p tsconfig.build.json
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const ROOT = new URL('..', import.meta.url).pathname;
const RUNS = Number(process.env.BENCH_RUNS ?? 21);
const TARGET_RATIO = 3;

// Median wall time of `runs` spawns of `args` (after one warm-up run).
function medianMs(args, env) {
  spawnSync(process.execPath, args, { env, stdio: 'ignore' });
  const times = [];
  for (let i = 0; i < RUNS; i += 1) {
    const start = performance.now();
    const result = spawnSync(process.execPath, args, { env, stdio: 'ignore' });
    times.push(performance.now() - start);
    if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}`);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const tmp = mkdtempSync(join(tmpdir(), 'hpc-run-bench-'));
try {
  const work = join(tmp, 'work');
  mkdirSync(work);
  const env = { PATH: process.env.PATH, HOME: tmp, HPC_RUN_STATE_DIR: join(tmp, 'state') };
  const node = medianMs(['-e', '0'], env);
  const monitor = medianMs([join(ROOT, 'bin', 'train-monitor'), '--once', '--work-dir', work], env);
  const ratio = monitor / node;
  console.log(`node -e 0:                           median ${node.toFixed(1)} ms (${RUNS} runs)`);
  console.log(`train-monitor --once (empty work dir): median ${monitor.toFixed(1)} ms (${RUNS} runs)`);
  console.log(`ratio: ${ratio.toFixed(2)} (target <= ${TARGET_RATIO}) ${ratio <= TARGET_RATIO ? 'OK' : 'OVER TARGET'}`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
