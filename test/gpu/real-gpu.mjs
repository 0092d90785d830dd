#!/usr/bin/env node
// GPU sampling against real hardware (CI has no GPU and uses the fake nvidia-smi; run this where there is one):
// train-wrapper runs a command that keeps GPU 0 busy with PyTorch for --load seconds, then leaves it idle for
// --idle seconds; meanwhile this script reads the wrapper's heartbeat and checks `gpus_now` against what the real
// nvidia-smi shows: utilisation and memory up under load, utilisation down (or null under MIG) when idle, and the
// marker's summary. (The idle-GPU alert is train-monitor's judgement of these same heartbeats; it is checked on the
// monitor's side.) Exit 0 when every check holds, 1 when one fails, 2 when the machine cannot run it.
//
//   npm run build && node test/gpu/real-gpu.mjs                  # needs nvidia-smi and python3 with torch (CUDA)
//   node test/gpu/real-gpu.mjs --load 30 --idle 30 --keep         # longer phases; keep the work dir to look at
//   node test/gpu/real-gpu.mjs --fake                             # the script's own check, with the fake nvidia-smi
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const WRAPPER = join(ROOT, 'bin', 'train-wrapper');
const { values: opts } = parseArgs({
  options: {
    load: { type: 'string', default: '20' },
    idle: { type: 'string', default: '20' },
    fake: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});
const loadS = Number(opts.load);
const idleS = Number(opts.idle);
const BUSY_PCT = 20; // under load, GPU 0 must show at least this
const IDLE_PCT = 5; // the monitor's default idle threshold
const MEMORY_RISE_MIB = 256; // the load allocates about 1 GiB

function giveUp(message) {
  process.stderr.write(`real-gpu: ${message}\n`);
  process.exit(2);
}

if (!existsSync(join(ROOT, 'dist', 'train-wrapper.mjs'))) giveUp('dist/ is missing: run `npm run build` first');
const work = mkdtempSync(join(tmpdir(), 'hpc-run-real-gpu-'));
const env = { ...process.env, HPC_RUN_STATE_DIR: join(work, '.state') };
for (const key of Object.keys(env)) if (key.startsWith('HPC_RUN_') && key !== 'HPC_RUN_STATE_DIR') delete env[key];

// The load: real matrix products on GPU 0, then idle. With --fake, a shell that sets the fake's readings instead.
let command;
if (opts.fake) {
  const readings = join(work, 'readings.csv');
  writeFileSync(readings, '0, NVIDIA FAKE, 81559, 500, 0\n');
  env.PATH = `${join(ROOT, 'test', 'fixtures', 'bin')}:${env.PATH}`;
  env.FAKE_NVIDIA_SMI_FILE = readings;
  command = `echo '0, NVIDIA FAKE, 81559, 20000, 97' > '${readings}'; echo load; sleep ${loadS}; ` +
    `echo '0, NVIDIA FAKE, 81559, 20000, 0' > '${readings}'; echo idle; sleep ${idleS}`;
} else {
  if (spawnSync('nvidia-smi', ['-L'], { stdio: 'ignore' }).status !== 0) giveUp('nvidia-smi is not on PATH or finds no GPU');
  const probe = spawnSync('python3', ['-c', 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 3)'], { stdio: 'ignore' });
  if (probe.status !== 0) giveUp('python3 with a CUDA-enabled torch is needed for the load (pip install torch)');
  const script = [
    'import time, torch',
    'x = torch.randn(8192, 8192, device="cuda:0")',
    'print("load", flush=True)',
    `end = time.time() + ${loadS}`,
    'while time.time() < end:',
    '    y = x @ x',
    '    torch.cuda.synchronize()',
    'print("idle", flush=True)',
    `time.sleep(${idleS})`,
  ].join('\n');
  writeFileSync(join(work, 'load.py'), `${script}\n`);
  command = 'python3 load.py';
}

// GPU 0's memory in use before the load, through the same query the wrapper runs.
const QUERY = ['--query-gpu=index,name,memory.total,memory.used,utilization.gpu', '--format=csv,noheader,nounits'];
const before = Number(spawnSync('nvidia-smi', QUERY, { env, encoding: 'utf8' }).stdout.split('\n').find((l) => /^\s*0,/.test(l))?.split(',')[3]);
if (!Number.isFinite(before)) giveUp('nvidia-smi gave no memory reading for GPU 0');

const heartbeatPath = join(work, '.train_running.gpu.json');
const seen = { load: [], idle: [] };
let phase = 'start';
const child = spawn(WRAPPER, ['--work-dir', work, '--run-id', 'gpu', '--heartbeat-interval', '2', '--command', command], { env, stdio: ['ignore', 'pipe', 'inherit'] });
child.stdout.setEncoding('utf8').on('data', (text) => {
  if (text.includes('load')) phase = 'load';
  if (text.includes('idle')) phase = 'idle';
});
let lastSeq = -1;
const poll = setInterval(() => {
  try {
    const beat = JSON.parse(readFileSync(heartbeatPath, 'utf8'));
    if (beat.seq === lastSeq || !(phase in seen)) return;
    lastSeq = beat.seq;
    // The first beat of a phase may hold a sample from before it: skip it.
    if (beat.seq > 1) seen[phase].push(beat.gpus_now ?? []);
    const g = (beat.gpus_now ?? [])[0];
    process.stderr.write(`  ${phase} seq ${beat.seq}: GPU0 ${g ? `${g.utilization_pct ?? 'N/A'} %, ${g.memory_used_mib ?? 'N/A'} / ${g.memory_total_mib ?? 'N/A'} MiB` : 'none'}\n`);
  } catch {
    // not written yet, or between two writes
  }
}, 250);
const code = await new Promise((resolve) => child.on('close', resolve));
clearInterval(poll);

const failures = [];
const check = (ok, what) => {
  process.stdout.write(`${ok ? 'ok  ' : 'FAIL'} ${what}\n`);
  if (!ok) failures.push(what);
};
const gpu0 = (samples) => samples.map((s) => s.find((g) => g.index === 0)).filter(Boolean);
const load = gpu0(seen.load.slice(1));
const idle = gpu0(seen.idle.slice(1));
check(code === 0, `the wrapper exited 0 (got ${code})`);
check(load.length > 0 && idle.length > 0, `heartbeats sampled in both phases (${load.length} under load, ${idle.length} idle)`);
check(load.some((g) => (g.utilization_pct ?? 0) >= BUSY_PCT), `under load GPU 0 showed ≥ ${BUSY_PCT} % (${load.map((g) => g.utilization_pct).join(', ')})`);
const idleMig = idle.every((g) => g.utilization_pct === null);
check(idleMig || idle.slice(-2).every((g) => g.utilization_pct !== null && g.utilization_pct <= IDLE_PCT),
  `idle GPU 0 showed ≤ ${IDLE_PCT} % at the end, or null under MIG (${idle.map((g) => g.utilization_pct).join(', ')})`);
check(load.some((g) => g.memory_total_mib !== null && g.memory_used_mib !== null && g.memory_used_mib <= g.memory_total_mib), 'memory used within total');
const loadPeak = Math.max(...load.map((g) => g.memory_used_mib ?? 0));
check(loadPeak - before >= MEMORY_RISE_MIB, `memory used rose by ≥ ${MEMORY_RISE_MIB} MiB under load (${before} → ${loadPeak} MiB)`);
const markerPath = join(work, '.train_complete.gpu.json');
const marker = existsSync(markerPath) ? JSON.parse(readFileSync(markerPath, 'utf8')) : null;
const summary = marker?.gpus?.find((g) => g.index === 0);
check(Boolean(summary && summary.peak_memory_used_mib > 0 && summary.mean_utilization_pct > 0), `the marker summarises GPU 0 (${JSON.stringify(summary)})`);
process.stdout.write(`nvidia-smi: ${opts.fake ? 'fake (test/fixtures/bin)' : spawnSync('nvidia-smi', ['-L'], { encoding: 'utf8' }).stdout.trim().split('\n')[0]}\n`);
if (opts.keep) process.stdout.write(`work dir kept: ${work} (${readdirSync(work).join(', ')})\n`);
else rmSync(work, { recursive: true, force: true });
process.exit(failures.length === 0 ? 0 : 1);
