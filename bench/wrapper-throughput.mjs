#!/usr/bin/env node
// What train-wrapper costs against `tee`, for two writers, in paired runs (tee and wrapper alternate, swapping who
// goes first, so drift in the machine's load hits both alike); medians of wall time and of CPU time (user + system
// of every process of the run, the writer included), their ratios side by side, and the wrapper's peak RSS.
//   line writer: python3 bench/lib/print-lines.py, one print() per 100-byte line, unbuffered (PYTHONUNBUFFERED=1,
//                as the wrapper sets it): every line its own write, stdout to a file (as Slurm's .out)
//       train-wrapper --work-dir <tmp> --quiet -- <writer> > out     against    <writer> | tee log > out
//   64 KB writer: python3 bench/lib/write-lines.py, 1 MB writes of 100-byte lines (the pipe takes 64 KB at a
//                time), stdout to /dev/null
//
//   node bench/wrapper-throughput.mjs                                  # line 200MB,1GB; 64 KB 10MB,100MB,1GB
//   node bench/wrapper-throughput.mjs --line-sizes 20MB --block-sizes 10MB,100MB --repeats 3 --dir /scratch/me
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { benchEnv, detectRssMethod, formatSize, formatTable, median, parseSize, runMeasured } from './lib/measure.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const WRAPPER = join(ROOT, 'bin', 'train-wrapper');
const WRITERS = {
  line: { script: join(ROOT, 'bench', 'lib', 'print-lines.py'), name: 'line writer (print, unbuffered), stdout to a file', toFile: true },
  block: { script: join(ROOT, 'bench', 'lib', 'write-lines.py'), name: '64 KB writer, stdout to /dev/null', toFile: false },
};
// The targets of issue 12: [wall, CPU] ratio limits by writer and size (null: none set).
function target(writer, bytes) {
  if (writer === 'line') return [1.2, 1.5];
  if (bytes <= 10e6) return [1.4, null];
  if (bytes <= 100e6) return [1.15, null];
  return [1.0, null];
}
const TARGET_RSS_MB = 100;

const { values: opts } = parseArgs({
  options: {
    'line-sizes': { type: 'string', default: '200MB,1GB' },
    'block-sizes': { type: 'string', default: '10MB,100MB,1GB' },
    repeats: { type: 'string' },
    dir: { type: 'string' },
    json: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
  strict: false,
});
if (opts.help) {
  process.stdout.write(
    'usage: node bench/wrapper-throughput.mjs [--line-sizes 200MB,1GB] [--block-sizes 10MB,100MB,1GB] [--repeats N] [--dir DIR] [--json FILE]\n' +
      '  --repeats  paired runs per size (default 5 up to 100 MB, 3 above); an empty size list skips that writer\n' +
      '  --dir      where the logs and outputs go (default: the system temp dir); try it on your NFS/Lustre\n',
  );
  process.exit(0);
}

function requireOrExit(ok, message) {
  if (!ok) {
    process.stderr.write(`wrapper-throughput: ${message}\n`);
    process.exit(2);
  }
}

requireOrExit(existsSync(join(ROOT, 'dist', 'train-wrapper.mjs')), 'dist/ is missing: run `npm run build` first');
// The interpreter itself, not a version manager's shim (pyenv's cost more to start than a small run takes).
const python = ['python3', 'python']
  .map((p) => spawnSync(p, ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }))
  .find((r) => r.status === 0 && r.stdout.trim())?.stdout.trim();
requireOrExit(python, 'python3 is needed for the writers (bench/lib/*.py)');
const rssMethod = detectRssMethod();
requireOrExit(rssMethod === 'gnu-time', 'GNU time (/usr/bin/time) is needed to measure CPU time');
const sizesOf = (text) => (text ? text.split(',').filter(Boolean).map(parseSize) : []);
const base = mkdtempSync(join(opts.dir ?? tmpdir(), 'hpc-run-bench-'));

// Both sides run in the same environment (see benchEnv in lib/measure.mjs).
const runEnv = () => benchEnv({ HPC_RUN_STATE_DIR: join(base, 'state'), PYTHONUNBUFFERED: '1' });

// Where the run's stdout goes: a fresh file (line writer) or /dev/null; returns the fd and a check of its size.
function openOut(writer, tag) {
  if (!WRITERS[writer].toFile) return { fd: openSync('/dev/null', 'w'), size: () => null, close() {} };
  const path = join(base, `${tag}.out`);
  const fd = openSync(path, 'w');
  return { fd, size: () => statSync(path).size, close: () => rmSync(path, { force: true }) };
}

async function runTee(writer, bytes, index) {
  const file = join(base, `tee-${index}.log`);
  const out = openOut(writer, `tee-${index}`);
  const result = await runMeasured('sh', ['-c', '"$0" "$1" "$2" | tee "$3"', python, WRITERS[writer].script, String(bytes), file], { cwd: base, env: runEnv(), stdout: out.fd, rss: rssMethod });
  closeSync(out.fd);
  const size = existsSync(file) ? statSync(file).size : -1;
  const outSize = out.size();
  rmSync(file, { force: true });
  out.close();
  if (result.code !== 0 || size !== bytes || (outSize !== null && outSize !== bytes)) throw new Error(`tee run failed: exit ${result.code}, ${size} of ${bytes} bytes\n${result.stderr}`);
  return result;
}

async function runWrapper(writer, bytes, index) {
  const workDir = join(base, `work-${index}`);
  mkdirSync(workDir, { recursive: true });
  const out = openOut(writer, `wrapper-${index}`);
  const args = ['--work-dir', workDir, '--quiet', '--', python, WRITERS[writer].script, String(bytes)];
  const result = await runMeasured(WRAPPER, args, { cwd: base, env: runEnv(), stdout: out.fd, rss: rssMethod });
  closeSync(out.fd);
  const logDir = join(workDir, 'logs');
  const logs = existsSync(logDir) ? readdirSync(logDir) : [];
  const size = logs.length === 1 ? statSync(join(logDir, logs[0])).size : -1;
  const outSize = out.size();
  rmSync(workDir, { recursive: true, force: true });
  out.close();
  if (result.code !== 0 || size !== bytes || (outSize !== null && outSize !== bytes)) {
    throw new Error(`wrapper run failed: exit ${result.code ?? result.signal}, log ${size} of ${bytes} bytes (${logs.length} logs)\n${result.stderr}`);
  }
  return result;
}

async function measure(writer, bytes, repeats) {
  const tee = [];
  const wrapper = [];
  for (let i = 0; i < repeats; i += 1) {
    const order = i % 2 === 0 ? ['tee', 'wrapper'] : ['wrapper', 'tee'];
    for (const side of order) {
      if (side === 'tee') tee.push(await runTee(writer, bytes, i));
      else wrapper.push(await runWrapper(writer, bytes, i));
    }
    process.stderr.write('.');
  }
  const pairs = (key) => median(wrapper.map((w, i) => w[key] / tee[i][key]));
  return {
    writer,
    bytes,
    repeats,
    tee_wall_s: median(tee.map((r) => r.wallS)),
    wrapper_wall_s: median(wrapper.map((r) => r.wallS)),
    tee_cpu_s: median(tee.map((r) => r.cpuS)),
    wrapper_cpu_s: median(wrapper.map((r) => r.cpuS)),
    wall_ratio: pairs('wallS'),
    cpu_ratio: pairs('cpuS'),
    wrapper_peak_rss_mb: Math.max(...wrapper.map((r) => r.peakRssKb ?? 0)) / 1024,
  };
}

const results = [];
try {
  const plan = [...sizesOf(opts['line-sizes']).map((b) => ['line', b]), ...sizesOf(opts['block-sizes']).map((b) => ['block', b])];
  process.stderr.write(`files in ${base}; CPU and peak RSS by GNU time\n`);
  for (const [writer, bytes] of plan) {
    const repeats = opts.repeats ? Number(opts.repeats) : bytes > 1e8 ? 3 : 5;
    process.stderr.write(`${writer} ${formatSize(bytes)} `);
    results.push(await measure(writer, bytes, repeats));
    process.stderr.write('\n');
  }
  const rows = results.map((r) => {
    const [wallMax, cpuMax] = target(r.writer, r.bytes);
    const ok = r.wall_ratio <= wallMax && (cpuMax === null || r.cpu_ratio <= cpuMax) && r.wrapper_peak_rss_mb <= TARGET_RSS_MB;
    return [
      r.writer === 'line' ? 'line' : '64 KB',
      formatSize(r.bytes),
      `${r.tee_wall_s.toFixed(2)} / ${r.wrapper_wall_s.toFixed(2)}`,
      r.wall_ratio.toFixed(2),
      `${r.tee_cpu_s.toFixed(2)} / ${r.wrapper_cpu_s.toFixed(2)}`,
      r.cpu_ratio.toFixed(2),
      `${wallMax}${cpuMax === null ? '' : ` / ${cpuMax}`}`,
      r.wrapper_peak_rss_mb.toFixed(0),
      ok ? 'yes' : 'NO',
    ];
  });
  const header = ['writer', 'size', 'wall s tee / wrapper', 'wall ratio', 'CPU s tee / wrapper', 'CPU ratio', 'target wall / CPU', 'wrapper RSS MB', 'on target'];
  process.stdout.write(`${formatTable(header, rows)}\n`);
  process.stdout.write(`\nratios: medians of the per-pair ratios; times: medians; runs per size: ${results.map((r) => r.repeats).join('/')}\n`);
  if (opts.json) writeFileSync(opts.json, `${JSON.stringify({ results }, null, 2)}\n`);
} finally {
  rmSync(base, { recursive: true, force: true });
}
