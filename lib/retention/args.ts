import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseDuration } from '../common/duration.js';
import { UsageError } from '../common/errors.js';
import type { CleanOptions } from './run.js';

/** `clean [--keep-last N] [--older-than 7d] [--dry-run] [--work-dir DIR]… [--config FILE]`. */
export function parseCleanArgs(argv: string[], cwd: string): CleanOptions & { configPath?: string } {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        'keep-last': { type: 'string' },
        'older-than': { type: 'string' },
        'dry-run': { type: 'boolean' },
        'work-dir': { type: 'string', multiple: true },
        config: { type: 'string' },
      },
    }));
  } catch (error) {
    throw new UsageError(`clean: ${(error as Error).message}`, 'see `train-monitor clean --help`');
  }
  let keepLast: number | null = null;
  if (values['keep-last'] !== undefined) {
    keepLast = Number(values['keep-last']);
    if (!Number.isInteger(keepLast) || keepLast < 0) throw new UsageError(`--keep-last must be a whole number of runs (0 or more), got '${values['keep-last']}'`);
  }
  const olderThanMs = values['older-than'] === undefined ? null : parseDuration(values['older-than'], '--older-than', { days: true }) * 1000;
  return {
    keepLast,
    olderThanMs,
    dryRun: values['dry-run'] ?? false,
    workDirs: (values['work-dir'] ?? []).map((d) => resolve(cwd, d)),
    logDirs: [],
    configPath: values.config,
  };
}
