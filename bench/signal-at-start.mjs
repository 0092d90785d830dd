#!/usr/bin/env node
// Fault loop: SIGTERM to the wrapper as soon as its command has printed "ready" (a scancel in the job's first
// moments), with busy loops competing for the CPUs so the wrapper is often descheduled right after the spawn.
// The command and its worker ignore SIGTERM (test/fixtures/wrapper/stubborn-tree.sh), so only the wrapper's SIGKILL
// after --kill-grace ends them. Per run, a good end is: the wrapper exits 137, one `terminated` marker, nothing of
// the command left. Prints runs, runs without a marker, and runs that left processes behind (ended here, by group).
// Needs a build first (npm run build). SIGNAL_RUNS (default 40), SIGNAL_BUSY_LOOPS (default twice the CPUs).
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = new URL('..', import.meta.url).pathname;
const WRAPPER = join(ROOT, 'bin', 'train-wrapper');
const TREE = join(ROOT, 'test', 'fixtures', 'wrapper', 'stubborn-tree.sh');
const RUNS = Number(process.env.SIGNAL_RUNS ?? 40);
const LOOPS = Number(process.env.SIGNAL_BUSY_LOOPS ?? availableParallelism() * 2);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// A zombie (dead, not yet reaped by init) counts as gone.
const alive = (pid) => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};
const within = (promise, ms, late) => Promise.race([promise, sleep(ms).then(() => late)]);

const busy = Array.from({ length: LOOPS }, () => spawn('/bin/sh', ['-c', 'while :; do :; done'], { stdio: 'ignore' }));
let noMarker = 0;
let leftBehind = 0;
let wrongExit = 0;
try {
  for (let i = 0; i < RUNS; i += 1) {
    const dir = mkdtempSync(join(tmpdir(), 'hpc-run-signal-'));
    try {
      const env = { PATH: process.env.PATH, HOME: dir, HPC_RUN_STATE_DIR: join(dir, 'state') };
      const child = spawn(WRAPPER, ['--work-dir', dir, '--kill-grace', '0.5', '--', TREE, 'ignore'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.resume();
      const exited = new Promise((r) => child.on('exit', (code, signal) => r({ code, signal })));
      for (let t = 0; t < 400 && !out.includes('ready'); t += 1) await sleep(50);
      const tree = Number(readFileSync(join(dir, 'worker.pid'), 'utf8'));
      const group = Number(readFileSync(`/proc/${tree}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')[2]);
      child.kill('SIGTERM');
      const end = await within(exited, 10_000, { code: null, signal: 'still running' });
      await sleep(300);
      if (end.code !== 137) wrongExit += 1;
      if (!readdirSync(dir).some((n) => /^\.train_complete.*\.json$/.test(n))) noMarker += 1;
      if (alive(tree)) {
        leftBehind += 1;
        try {
          process.kill(-group, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
      }
      if (end.signal === 'still running') child.kill('SIGKILL');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
} finally {
  for (const loop of busy) loop.kill('SIGKILL');
}
console.log(`signal at start: ${RUNS} runs beside ${LOOPS} busy loops: ${noMarker} without a marker, ` +
  `${leftBehind} left processes behind, ${wrongExit} with another exit than 137`);
process.exitCode = noMarker + leftBehind + wrongExit > 0 ? 1 : 0;
