#!/usr/bin/env node
// One monitor pass over 10,000 work dirs without markers, found through 10,000 spool entries (the default
// mode), and over 10,000 work dirs given directly: median pass time (target <= 300 ms). In-process, so start-up
// is not counted. Imports lib/ directly: run it as
// node --import tsx bench/monitor-pass.mjs (bench/run-all.mjs does)
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const ROOT = new URL('..', import.meta.url).pathname;
const { runPass } = await import(join(ROOT, 'lib', 'monitor', 'pass.ts'));
const { createMonitorContext } = await import(join(ROOT, 'lib', 'monitor', 'context.ts'));
const { createLogger } = await import(join(ROOT, 'lib', 'common', 'logger.ts'));
const { DEFAULTS } = await import(join(ROOT, 'lib', 'config', 'defaults.ts'));

const DIRS = Number(process.env.BENCH_DIRS ?? 10_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const TARGET_MS = 300;

const tmp = mkdtempSync(join(tmpdir(), 'hpc-run-bench-'));
try {
  const state = join(tmp, 'state');
  const spool = join(state, 'spool');
  mkdirSync(spool, { recursive: true });
  const dirs = [];
  for (let i = 0; i < DIRS; i += 1) {
    const dir = join(tmp, 'runs', `run${i}`);
    mkdirSync(join(dir, 'logs'), { recursive: true });
    writeFileSync(join(dir, 'logs', 'train.log'), 'x\n');
    dirs.push(dir);
    const entry = { schema: 1, run_id: `r${i}`, work_dir: dir, marker_file: `.train_complete.r${i}.json`, heartbeat_file: `.train_running.r${i}.json`, log_file: 'logs/train.log', host: 'n', pid: i, started_at: new Date().toISOString(), slurm_job_id: null };
    writeFileSync(join(spool, `n.${i}.1.json`), JSON.stringify(entry));
  }
  const config = { file: null, channels: [{ type: 'console', name: 'console' }], report: { ...DEFAULTS.report }, train: {}, watch: [], monitor: { ...DEFAULTS.monitor }, digest: { ...DEFAULTS.digest }, secrets: [], warnings: [] };
  const env = { ...process.env, HPC_RUN_STATE_DIR: state };
  const ctx = createMonitorContext({ config, logger: createLogger({ prefix: 'bench', quiet: true }), env, dryRun: false, redact: (s) => s });
  const measure = async (label, sources) => {
    await runPass(sources, ctx);
    const times = [];
    for (let i = 0; i < RUNS; i += 1) {
      const start = performance.now();
      const summary = await runPass(sources, ctx);
      times.push(performance.now() - start);
      if (summary.found !== 0) throw new Error('expected no markers');
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)];
    console.log(`${label}: median ${median.toFixed(1)} ms over ${RUNS} passes (target <= ${TARGET_MS}) ${median <= TARGET_MS ? 'OK' : 'OVER TARGET'}`);
  };
  await measure(`${DIRS} spool entries -> ${DIRS} work dirs`, { workDirs: [], spool });
  await measure(`${DIRS} work dirs given directly`, { workDirs: dirs, spool: null });
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
