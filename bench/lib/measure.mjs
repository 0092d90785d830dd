// Shared helpers for the benchmarks: timing a process, its peak RSS, medians, sizes and a plain-text table.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const GNU_TIME = '/usr/bin/time';

// How peak RSS can be measured here: GNU time's %M (Linux), polling /proc/<pid>/status VmHWM, or not at all.
export function detectRssMethod() {
  const probe = spawnSync(GNU_TIME, ['-f', '%M %U %S', 'true'], { encoding: 'utf8' });
  if (probe.status === 0 && /^\d+ [\d.]+ [\d.]+\s*$/m.test(probe.stderr)) return 'gnu-time';
  try {
    readFileSync('/proc/self/status', 'utf8');
    return 'proc-poll';
  } catch {
    return 'none';
  }
}

// Reads VmHWM (peak resident set, kB) of a live process from /proc; null when it is gone.
function readVmHwmKb(pid) {
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/**
 * Runs one command and measures it: wall seconds from spawn to exit (stdio closed), exit status, and the
 * command's own peak RSS in kB when `rss` is 'gnu-time' (the kernel's figure for that process, as wait4 reports
 * it: the larger of the process and the children it reaped) or 'proc-poll' (VmHWM polled every 10 ms: a lower bound).
 * With 'gnu-time', `cpuS` is the CPU time (user + system) of the command and every child it waited for; else null.
 * `stdout` is a file descriptor or 'ignore'; stderr is collected (capped) for error messages.
 */
export function runMeasured(command, args, { cwd, env, stdout = 'ignore', rss = 'none' } = {}) {
  return new Promise((resolve, reject) => {
    let rssDir = null;
    let file = command;
    let argv = args;
    if (rss === 'gnu-time') {
      rssDir = mkdtempSync(join(tmpdir(), 'bench-rss-'));
      file = GNU_TIME;
      argv = ['-f', '%M %U %S', '-o', join(rssDir, 'rss'), command, ...args];
    }
    const started = process.hrtime.bigint();
    const child = spawn(file, argv, { cwd, env, stdio: ['ignore', stdout, 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d) => {
      if (stderr.length < 8192) stderr += d;
    });
    let polled = null;
    const poller = rss === 'proc-poll'
      ? setInterval(() => {
          const kb = readVmHwmKb(child.pid);
          if (kb !== null) polled = Math.max(polled ?? 0, kb);
        }, 10)
      : null;
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const wallS = Number(process.hrtime.bigint() - started) / 1e9;
      if (poller) clearInterval(poller);
      let peakRssKb = polled;
      let cpuS = null;
      if (rssDir) {
        try {
          const text = readFileSync(join(rssDir, 'rss'), 'utf8');
          // GNU time writes "Command exited with non-zero status N" first when the command failed.
          const last = text.trim().split('\n').pop();
          const fields = /^(\d+) ([\d.]+) ([\d.]+)$/.exec(last ?? '');
          peakRssKb = fields ? Number(fields[1]) : null;
          cpuS = fields ? Number(fields[2]) + Number(fields[3]) : null;
        } catch {
          peakRssKb = null;
        }
        rmSync(rssDir, { recursive: true, force: true });
      }
      resolve({ wallS, cpuS, code, signal, peakRssKb, stderr });
    });
  });
}

// Median of a list of numbers (mean of the middle two for an even count).
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

// "10MB", "100M", "1GB", "1G" or plain bytes → bytes (decimal units: 1 MB = 10^6 bytes).
export function parseSize(text) {
  const match = /^(\d+(?:\.\d+)?)\s*(k|kb|m|mb|g|gb)?$/i.exec(String(text).trim());
  if (!match) throw new Error(`not a size: ${text} (use e.g. 10MB, 100MB, 1GB)`);
  const unit = (match[2] ?? '').toLowerCase()[0];
  const factor = unit === 'k' ? 1e3 : unit === 'm' ? 1e6 : unit === 'g' ? 1e9 : 1;
  return Math.round(Number(match[1]) * factor);
}

// Bytes → "10 MB", "1 GB" (decimal).
export function formatSize(bytes) {
  if (bytes >= 1e9) return `${+(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${+(bytes / 1e6).toFixed(2)} MB`;
  if (bytes >= 1e3) return `${+(bytes / 1e3).toFixed(2)} kB`;
  return `${bytes} B`;
}

// A Markdown table (readable as plain text too) from a header row and rows of cells.
export function formatTable(header, rows) {
  const all = [header, ...rows].map((row) => row.map(String));
  const widths = header.map((_, i) => Math.max(...all.map((row) => row[i].length)));
  const line = (row) => `| ${row.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
  return [line(all[0]), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...all.slice(1).map(line)].join('\n');
}

/**
 * The environment for a timed run of our binaries: PATH, HOME and `extra` only. The caller's environment can
 * change Node's own start-up (NODE_EXTRA_CA_CERTS makes every `node` read a certificate bundle before any code
 * runs: 60 ms on the development machine), which would be timed as ours.
 */
export function benchEnv(extra = {}) {
  return { PATH: process.env.PATH, HOME: process.env.HOME, ...extra };
}
