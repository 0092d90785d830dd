import { lstat, readdir, unlink } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { errnoCode } from '../common/errors.js';
import { protectedLogs } from './protected.js';

/** Retention rules; at least one is set. With both, a log goes only when it is old enough AND not among the last N. */
export interface RetentionRules {
  keepLast: number | null;
  olderThanMs: number | null;
}

/** One work dir as the monitor knows it: its log dirs (inside it) and the logs its spool entries name. */
export interface CleanTarget {
  workDir: string;
  logDirs: string[];
  spoolLogs: string[];
}

export interface CleanItem {
  path: string;
  bytes: number;
  why: string;
}

export interface CleanPlan {
  remove: CleanItem[];
  kept: number;
  protectedCount: number;
}

// Only the wrapper's own log names are ever candidates: `train_YYYYMMDD_HHMMSS[_<run-id>].log`.
const LOG_NAME = /^train_(\d{8})_(\d{6})(?:_.+)?\.log$/;

/** What cleaning one work dir would remove, newest runs first; reads only, removes nothing. */
export async function planWorkDir(target: CleanTarget, rules: RetentionRules, nowMs: number): Promise<CleanPlan> {
  const workDir = resolve(target.workDir);
  const keep = await protectedLogs(workDir, target.spoolLogs);
  const logs: { path: string; bytes: number; mtimeMs: number; stamp: string }[] = [];
  for (const dir of new Set(target.logDirs.map((d) => resolve(workDir, d)))) {
    if (!isInside(workDir, dir)) continue;
    for (const name of await listDir(dir)) {
      const match = LOG_NAME.exec(name);
      if (!match) continue;
      const path = join(dir, name);
      const stat = await lstat(path).catch(() => null);
      if (!stat?.isFile()) continue; // a symlink may point anywhere: never followed, never removed
      logs.push({ path, bytes: stat.size, mtimeMs: stat.mtimeMs, stamp: `${match[1]}${match[2]}` });
    }
  }
  logs.sort((a, b) => (b.stamp === a.stamp ? b.mtimeMs - a.mtimeMs : b.stamp < a.stamp ? -1 : 1));
  const plan: CleanPlan = { remove: [], kept: 0, protectedCount: 0 };
  logs.forEach((log, rank) => {
    const beyond = rules.keepLast === null || rank >= rules.keepLast;
    const ageMs = nowMs - log.mtimeMs;
    const old = rules.olderThanMs === null || ageMs > rules.olderThanMs;
    if (keep.has(log.path)) {
      plan.protectedCount += 1;
      return;
    }
    if (beyond && old) plan.remove.push({ path: log.path, bytes: log.bytes, why: describe(rules, rank, ageMs) });
    else plan.kept += 1;
  });
  return plan;
}

/** Removes what a plan lists; a file already gone counts as removed. Returns the bytes freed and the failures. */
export async function applyPlan(items: CleanItem[]): Promise<{ freed: number; failed: { path: string; reason: string }[] }> {
  let freed = 0;
  const failed: { path: string; reason: string }[] = [];
  for (const item of items) {
    try {
      await unlink(item.path);
      freed += item.bytes;
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') continue;
      failed.push({ path: item.path, reason: errnoCode(error) ?? String(error) });
    }
  }
  return { freed, failed };
}

/** True when `path` is `dir` itself or below it (no `..` escape). */
export function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !rel.startsWith(sep));
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

function describe(rules: RetentionRules, rank: number, ageMs: number): string {
  const parts: string[] = [];
  if (rules.keepLast !== null) parts.push(`run ${rank + 1} from the newest`);
  if (rules.olderThanMs !== null) parts.push(`${Math.floor(ageMs / 86400000)} d old`);
  return parts.join(', ');
}

/** The log dirs of a work dir: `logs/` plus the dirs of the logs its runs name (inside it only). */
export function logDirsOf(workDir: string, logFiles: Iterable<string | null | undefined>, extra: string[] = []): string[] {
  const dirs = new Set<string>([resolve(workDir, 'logs'), ...extra.map((d) => resolve(workDir, d))]);
  for (const file of logFiles) if (file) dirs.add(dirname(resolve(workDir, file)));
  return [...dirs].filter((d) => isInside(resolve(workDir), d));
}
