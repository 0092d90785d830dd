#!/usr/bin/env node
// Throughput of train-wrapper against `tee`: the same writer of 100-byte lines, through
//   train-wrapper --work-dir <tmp> --quiet -- <writer>   (stdout to /dev/null)
//   <writer> | tee <file> > /dev/null
// alternating in the same run, at each size; medians of wall time, the ratio, and the wrapper's peak RSS.
//
//   node bench/wrapper-throughput.mjs                    # 10MB,100MB,1GB
//   node bench/wrapper-throughput.mjs --sizes 10MB,100MB --repeats 3 --dir /scratch/me --json out.json
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { detectRssMethod, formatSize, formatTable, median, parseSize, runMeasured } from './lib/measure.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const WRAPPER = join(ROOT, 'bin', 'train-wrapper');
const WRITER = join(ROOT, 'bench', 'lib', 'write-lines.py');
const TARGET_RATIO = 1.25;
const TARGET_RSS_MB = 100;

const { values: opts } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10MB,100MB,1GB' },
    repeats: { type: 'string' },
    dir: { type: 'string' },
    json: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (opts.help) {
  process.stdout.write(
    'usage: node bench/wrapper-throughput.mjs [--sizes 10MB,100MB,1GB] [--repeats N] [--dir DIR] [--json FILE]\n' +
      '  --repeats  runs per size and side (default 5 up to 100 MB, 3 above)\n' +
      '  --dir      where the logs and tee files go (default: the system temp dir); try it on your NFS/Lustre\n',
  );
  process.exit(0);
}

// Exits with a message when something the benchmark needs is missing.
function requireOrExit(ok, message) {
  if (!ok) {
    process.stderr.write(`wrapper-throughput: ${message}\n`);
    process.exit(2);
  }
}

requireOrExit(existsSync(join(ROOT, 'dist', 'lib', 'cli', 'train-wrapper.js')), 'dist/ is missing: run `npm run build` first');
const python = ['python3', 'python'].find((p) => spawnSync(p, ['--version'], { stdio: 'ignore' }).status === 0);
requireOrExit(python, 'python3 is needed for the line writer (bench/lib/write-lines.py)');
const sizes = opts.sizes.split(',').map(parseSize);
const rssMethod = detectRssMethod();
const base = mkdtempSync(join(opts.dir ?? tmpdir(), 'hpc-run-bench-'));
const devNull = openSync('/dev/null', 'w');

// An environment for the wrapper with a private state dir and no Slurm job around it.
function benchEnv() {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('SLURM_') && !k.startsWith('HPC_RUN_')) env[k] = v;
  return { ...env, HPC_RUN_STATE_DIR: join(base, 'state') };
}

// One pass of the writer through tee; checks the copy has every byte.
async function runTee(bytes, index) {
  const file = join(base, `tee-${index}.log`);
  const script = `"$0" "$1" "$2" | tee "$3" > /dev/null`;
  const result = await runMeasured('sh', ['-c', script, python, WRITER, String(bytes), file], { cwd: base, env: benchEnv() });
  const size = existsSync(file) ? statSync(file).size : -1;
  rmSync(file, { force: true });
  if (result.code !== 0 || size !== bytes) throw new Error(`tee run failed: exit ${result.code}, ${size} of ${bytes} bytes\n${result.stderr}`);
  return result;
}

// One pass of the writer through the wrapper (stdout to /dev/null); checks the log has every byte.
async function runWrapper(bytes, index) {
  const workDir = join(base, `work-${index}`);
  mkdirSync(workDir, { recursive: true });
  const args = ['--work-dir', workDir, '--quiet', '--', python, WRITER, String(bytes)];
  const result = await runMeasured(WRAPPER, args, { cwd: base, env: benchEnv(), stdout: devNull, rss: rssMethod });
  const logDir = join(workDir, 'logs');
  const logs = existsSync(logDir) ? readdirSync(logDir) : [];
  const size = logs.length === 1 ? statSync(join(logDir, logs[0])).size : -1;
  rmSync(workDir, { recursive: true, force: true });
  if (result.code !== 0 || size !== bytes) {
    throw new Error(`wrapper run failed: exit ${result.code ?? result.signal}, log ${size} of ${bytes} bytes (${logs.length} logs)\n${result.stderr}`);
  }
  return result;
}

// Alternates tee and wrapper runs (swapping who goes first) so drift in machine load hits both sides alike.
async function measureSize(bytes, repeats) {
  const tee = [];
  const wrapper = [];
  for (let i = 0; i < repeats; i += 1) {
    const order = i % 2 === 0 ? ['tee', 'wrapper'] : ['wrapper', 'tee'];
    for (const side of order) {
      if (side === 'tee') tee.push(await runTee(bytes, i));
      else wrapper.push(await runWrapper(bytes, i));
    }
    process.stderr.write('.');
  }
  const rss = wrapper.map((r) => r.peakRssKb).filter((kb) => kb !== null);
  return {
    bytes,
    repeats,
    tee_wall_s: median(tee.map((r) => r.wallS)),
    wrapper_wall_s: median(wrapper.map((r) => r.wallS)),
    wrapper_peak_rss_mb: rss.length ? Math.max(...rss) / 1024 : null,
  };
}

const results = [];
try {
  process.stderr.write(`writer: ${python} bench/lib/write-lines.py, 100-byte lines; files in ${base}; peak RSS by ${rssMethod}\n`);
  // A zero-byte pass gives each side's fixed cost (process start-up and shutdown), shown for reading small sizes.
  const startup = await measureSize(0, opts.repeats ? Number(opts.repeats) : 5);
  for (const bytes of sizes) {
    const repeats = opts.repeats ? Number(opts.repeats) : bytes > 1e8 ? 3 : 5;
    process.stderr.write(`${formatSize(bytes)} `);
    results.push(await measureSize(bytes, repeats));
    process.stderr.write('\n');
  }
  const rows = results.map((r) => {
    const ratio = r.wrapper_wall_s / r.tee_wall_s;
    const extra = r.wrapper_wall_s - r.tee_wall_s;
    const rss = r.wrapper_peak_rss_mb === null ? 'n/a' : r.wrapper_peak_rss_mb.toFixed(1);
    const ok = ratio <= TARGET_RATIO && (r.wrapper_peak_rss_mb ?? 0) <= TARGET_RSS_MB;
    // The same ratio with each side's zero-byte time taken off: the cost of moving the bytes alone.
    // Below ~50 ms of streaming, the difference is noise, and no ratio is shown.
    const teeStreaming = r.tee_wall_s - startup.tee_wall_s;
    const streaming = teeStreaming > 0.05 ? (r.wrapper_wall_s - startup.wrapper_wall_s) / teeStreaming : null;
    Object.assign(r, { ratio, streaming_ratio: streaming, wrapper_extra_s: extra });
    return [formatSize(r.bytes), r.tee_wall_s.toFixed(3), r.wrapper_wall_s.toFixed(3), ratio.toFixed(2), streaming === null ? 'n/a' : streaming.toFixed(2), extra.toFixed(3), rss, ok ? 'yes' : 'NO'];
  });
  const header = ['size', 'tee wall s', 'wrapper wall s', 'ratio wrapper/tee', 'ratio less start-up', 'wrapper − tee s', 'wrapper peak RSS MB', 'on target'];
  process.stdout.write(`${formatTable(header, rows)}\n`);
  process.stdout.write(
    `\nmedians of ${results.map((r) => r.repeats).join('/')} runs; start-up (0 bytes): tee ${startup.tee_wall_s.toFixed(3)} s, ` +
      `wrapper ${startup.wrapper_wall_s.toFixed(3)} s, wrapper peak RSS ${startup.wrapper_peak_rss_mb?.toFixed(1) ?? 'n/a'} MB\n` +
      `targets: ratio <= ${TARGET_RATIO}, peak RSS <= ${TARGET_RSS_MB} MB; RSS method: ${rssMethod}\n`,
  );
  if (opts.json) writeFileSync(opts.json, `${JSON.stringify({ rss_method: rssMethod, startup, results }, null, 2)}\n`);
} finally {
  closeSync(devNull);
  rmSync(base, { recursive: true, force: true });
}
