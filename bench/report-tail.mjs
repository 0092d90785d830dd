#!/usr/bin/env node
// Report from a 2 GB log versus a 1 KB log: building a report reads the tail, not the file, so the
// difference of the medians must stay within 30 ms. Imports lib/ directly: run it as
// node --import tsx bench/report-tail.mjs (bench/run-all.mjs does)
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const ROOT = new URL('..', import.meta.url).pathname;
const { buildReport } = await import(join(ROOT, 'lib', 'report', 'build.ts'));
const { readLogTail } = await import(join(ROOT, 'lib', 'report', 'tail.ts'));

const BIG_BYTES = Number(process.env.BENCH_BIG_BYTES ?? 2 * 1024 ** 3);
const REPETITIONS = Number(process.env.BENCH_REPETITIONS ?? 21);
const TARGET_MS = 30;

// A 1 MiB block of realistic training output: progress lines, some Chinese, an occasional long line.
function block() {
  const lines = [];
  let size = 0;
  for (let i = 0; size < 1024 * 1024 - 400; i++) {
    const line = i % 50 === 0
      ? `[2024-05-02 10:${String(i % 60).padStart(2, '0')}:00] 第${i}步 数据加载 ${'shard-0001.tar '.repeat(20)}`
      : `epoch 3 step ${i} loss ${(2 + Math.sin(i)).toFixed(4)} lr 3.0e-04 grad_norm 1.23 throughput 1234.5 samples/s`;
    lines.push(line);
    size += Buffer.byteLength(line) + 1;
  }
  const text = `${lines.join('\n')}\n`;
  return Buffer.from(text);
}

// Writes `bytes` of log into `path` by repeating the block, then a traceback at the end.
function writeLog(path, bytes) {
  const fd = openSync(path, 'w');
  try {
    const data = block();
    let written = 0;
    while (written + data.length <= bytes) written += writeSync(fd, data);
    const rest = data.subarray(0, Math.max(0, bytes - written - 200));
    const cut = rest.lastIndexOf(0x0a) + 1;
    writeSync(fd, rest.subarray(0, cut));
    writeSync(fd, 'Traceback (most recent call last):\n  File "train.py", line 9, in <module>\nRuntimeError: CUDA error: an illegal memory access was encountered\n');
    // What a job prints after its crash (a tail that ends in the traceback would be shown once, as the excerpt).
    writeSync(fd, 'wandb: Waiting for W&B process to finish... (failed 1).\nsrun: error: gpu042: task 0: Exited with exit code 1\n');
  } finally {
    closeSync(fd);
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

function marker(workDir) {
  return {
    timestamp: '2024-05-02 12:34:56', status: 'failed', exit_code: 1, log_file: 'logs/train.log', schema: 1, signal: null,
    run_id: '123456', command: 'python train.py', work_dir: workDir, host: 'gpu042', user: 'alice', pid: 1,
    started_at: '2024-05-02T11:34:50+08:00', ended_at: '2024-05-02T12:34:56+08:00', duration_s: 3606,
    slurm: null, gpus: [], wrapper_version: '0.1.0',
  };
}

const report = { include_last_n_lines: 50, language: 'en', max_line_length: 500 };
const base = mkdtempSync(join(tmpdir(), 'hpc-run-bench-tail-'));
try {
  const dirs = { big: join(base, 'big'), small: join(base, 'small') };
  for (const dir of Object.values(dirs)) mkdirSync(join(dir, 'logs'), { recursive: true });
  const started = performance.now();
  writeLog(join(dirs.big, 'logs', 'train.log'), BIG_BYTES);
  writeLog(join(dirs.small, 'logs', 'train.log'), 1024);
  console.log(`wrote a ${(BIG_BYTES / 1024 ** 3).toFixed(2)} GiB log in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const times = { big: [], small: [] };
  const run = async (which) => {
    const t0 = performance.now();
    const r = await buildReport(marker(dirs[which]), { workDir: dirs[which], report });
    const ms = performance.now() - t0;
    if (r.logTail.length === 0 || r.errorExcerpt.length === 0) throw new Error(`report for the ${which} log has no tail or excerpt`);
    return ms;
  };
  for (let i = 0; i < 3; i++) {
    await run('big');
    await run('small');
  }
  for (let i = 0; i < REPETITIONS; i++) {
    // Alternate the order so that neither side always runs on a warmer process.
    for (const which of i % 2 ? ['big', 'small'] : ['small', 'big']) times[which].push(await run(which));
  }
  const tail = await readLogTail(join(dirs.big, 'logs', 'train.log'), 1000);
  const [big, small] = [median(times.big), median(times.small)];
  const diff = big - small;
  const peakRssMiB = process.resourceUsage().maxRSS / 1024;
  console.log(`report from a 2 GB log: median ${big.toFixed(2)} ms (${REPETITIONS} runs)`);
  console.log(`report from a 1 KB log: median ${small.toFixed(2)} ms (${REPETITIONS} runs)`);
  console.log(`difference: ${diff.toFixed(2)} ms (target <= ${TARGET_MS} ms) ${diff <= TARGET_MS ? 'OK' : 'OVER TARGET'}`);
  console.log(`bytes read from the 2 GB log for its report: ${tail.bytesRead} of ${tail.fileSize}`);
  console.log(`peak RSS of this process: ${peakRssMiB.toFixed(1)} MiB`);
  console.log(JSON.stringify({ bench: 'report-tail', big_median_ms: +big.toFixed(2), small_median_ms: +small.toFixed(2), diff_ms: +diff.toFixed(2), target_ms: TARGET_MS, ok: diff <= TARGET_MS, bytes_read: tail.bytesRead, file_size: tail.fileSize, peak_rss_mib: +peakRssMiB.toFixed(1) }));
  process.exitCode = diff <= TARGET_MS ? 0 : 1;
} finally {
  rmSync(base, { recursive: true, force: true });
}
