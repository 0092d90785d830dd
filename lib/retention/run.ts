import { join, resolve } from 'node:path';
import { UsageError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { applyPlan, logDirsOf, planWorkDir, type CleanItem, type RetentionRules } from './clean.js';
import { planSpool, pruneHistory, readSpoolFiles } from './state.js';

export interface CleanOptions {
  keepLast: number | null;
  olderThanMs: number | null;
  dryRun: boolean;
  /** `--work-dir` and the config's watch list; the spool adds every work dir it names. */
  workDirs: string[];
  /** Extra log dir names (the config's `train.log.dir`), relative to each work dir. */
  logDirs: string[];
}

export interface CleanIo {
  spool: string;
  stateDir: string;
  logger: Logger;
  now: () => number;
}

/** `train-monitor clean`: removes old logs and state by the retention rules; returns the exit status. */
export async function runClean(options: CleanOptions, io: CleanIo): Promise<number> {
  if (options.keepLast === null && options.olderThanMs === null) {
    throw new UsageError(
      'clean needs a rule: --keep-last N and/or --older-than DURATION',
      'e.g. `train-monitor clean --keep-last 3 --older-than 7d --dry-run`, or set retention.keep_last / retention.older_than in the config',
    );
  }
  const rules: RetentionRules = { keepLast: options.keepLast, olderThanMs: options.olderThanMs };
  const now = io.now();
  const spoolFiles = await readSpoolFiles(io.spool);
  const spoolGoing = await planSpool(spoolFiles, rules, now);
  const going = new Set(spoolGoing.map((i) => i.path));
  const workDirs = new Set([...options.workDirs, ...spoolFiles.map((f) => f.entry.work_dir)].map((d) => resolve(d)));
  const items: CleanItem[] = [];
  let protectedCount = 0;
  for (const workDir of workDirs) {
    const entries = spoolFiles.filter((f) => resolve(f.entry.work_dir) === workDir);
    const live = entries.filter((f) => !going.has(f.path)).map((f) => f.entry.log_file);
    const plan = await planWorkDir(
      {
        workDir,
        logDirs: logDirsOf(workDir, entries.map((f) => f.entry.log_file), options.logDirs),
        spoolLogs: live,
      },
      rules,
      now,
    );
    items.push(...plan.remove);
    protectedCount += plan.protectedCount;
  }
  items.push(...spoolGoing);
  const verb = options.dryRun ? 'would remove' : 'removed';
  let freed: number;
  let failures = 0;
  if (options.dryRun) freed = items.reduce((sum, i) => sum + i.bytes, 0);
  else {
    const applied = await applyPlan(items);
    freed = applied.freed;
    failures = applied.failed.length;
    for (const f of applied.failed) io.logger.warn(`cannot remove ${f.path} (${f.reason}); left in place`);
  }
  for (const item of items) io.logger.out(`${verb} ${formatBytes(item.bytes).padStart(9)}  ${item.path}  (${item.why})`);
  const history = await pruneHistory(join(io.stateDir, 'history.jsonl'), rules, now, options.dryRun);
  if (history.dropped > 0) io.logger.out(`${verb} ${history.dropped} history line(s), ${formatBytes(history.bytes)}`);
  freed += history.bytes;
  const count = items.length;
  io.logger.out(
    `clean: ${count} file(s) ${options.dryRun ? 'would be removed' : 'removed'} in ${workDirs.size} work dir(s), ` +
      `${formatBytes(freed)} ${options.dryRun ? 'would be freed' : 'freed'}; ${protectedCount} log(s) of running or undelivered runs kept`,
  );
  return failures > 0 ? 1 : 0;
}

/** `1.5 MB`, `320 B`: binary multiples, one decimal. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}
