import { spawn } from 'node:child_process';
import { delimiter, dirname, resolve } from 'node:path';
import { HpcRunError } from '../common/errors.js';
import { findOnPath } from '../common/find-on-path.js';
import type { Logger } from '../common/logger.js';
import { PACKAGE_ROOT } from '../common/version.js';

/** Ends every crontab line this tool installs, so that installing again replaces it instead of adding one. */
export const CRON_TAG = '# hpc-run: train-monitor --once';

/** Cron's own PATH is `/usr/bin:/bin`: the entry names node and the tool by absolute path and sets PATH for Slurm's commands. */
export interface CronEntry {
  intervalMinutes: number;
  node: string;
  monitorBin: string;
  path: string[];
}

/** `crontab` is missing, or refused to list or install (not allowed, a bad line). */
export class CronError extends HpcRunError {
  constructor(message: string, hint?: string, cause?: unknown) {
    super('E_CRON', message, { hint, cause });
  }
}

// Single-quoted for sh; `%` is a newline to cron unless escaped.
const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`.replace(/%/g, '\\%');

/** The schedule of a pass every N minutes: `*\/N * * * *`, or `0 * * * *` for 60. */
export function cronSchedule(minutes: number): string {
  return minutes === 60 ? '0 * * * *' : minutes === 1 ? '* * * * *' : `*/${minutes} * * * *`;
}

/** The one crontab line: schedule, PATH, node, the monitor's one pass, output appended to ~/train-monitor.cron.log. */
export function renderCronEntry(entry: CronEntry): string {
  const command = `PATH=${quote(entry.path.join(delimiter))} ${quote(entry.node)} ${quote(entry.monitorBin)} --once`;
  return `${cronSchedule(entry.intervalMinutes)} ${command} >> "$HOME/train-monitor.cron.log" 2>&1 ${CRON_TAG}`;
}

/** The user's crontab with every earlier line of ours replaced by `line`; everything else kept as it was. */
export function mergeCrontab(current: string, line: string): { text: string; replaced: number } {
  const lines = current.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const kept = lines.filter((l) => !l.includes(CRON_TAG));
  return { text: `${[...kept, line].join('\n')}\n`, replaced: lines.length - kept.length };
}

/** The entry for this installation: the node running now, this package's bin, and the dirs of Slurm's commands. */
export function entryForThisInstall(intervalMinutes: number, env: NodeJS.ProcessEnv): CronEntry {
  const monitorBin = resolve(PACKAGE_ROOT ?? process.cwd(), 'bin', 'train-monitor');
  const slurmDirs = ['squeue', 'sacct', 'scontrol'].flatMap((name) => {
    const found = findOnPath(name, env.PATH, { absoluteOnly: true });
    return found ? [dirname(found)] : [];
  });
  const path = [dirname(process.execPath), dirname(monitorBin), ...slurmDirs, '/usr/local/bin', '/usr/bin', '/bin'];
  return { intervalMinutes, node: process.execPath, monitorBin, path: [...new Set(path)] };
}

export interface InstallCronOptions {
  intervalMinutes: number;
  dryRun: boolean;
  env: NodeJS.ProcessEnv;
  logger: Logger;
}

interface CrontabResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `train-monitor install-cron`: adds (or replaces) the one entry in the user's crontab, keeping every other line. */
export async function runInstallCron(options: InstallCronOptions): Promise<number> {
  const { logger, env } = options;
  const line = renderCronEntry(entryForThisInstall(options.intervalMinutes, env));
  if (options.dryRun) {
    logger.out(line);
    logger.info('dry run: the crontab is not changed; the line above is what install-cron would add');
    return 0;
  }
  const merged = mergeCrontab(await readCrontab(env), line);
  await crontab(['-'], env, merged.text);
  const what = merged.replaced > 0 ? `replaced the earlier hpc-run entry (${merged.replaced} line(s))` : 'added one entry';
  logger.info(`${what}: a pass every ${options.intervalMinutes} min, output in ~/train-monitor.cron.log (crontab -l shows it)`);
  return 0;
}

// The current crontab; none yet is empty.
async function readCrontab(env: NodeJS.ProcessEnv): Promise<string> {
  const result = await crontab(['-l'], env, '', true);
  if (result.code === 0) return result.stdout;
  if (/no crontab/i.test(result.stderr)) return '';
  throw new CronError(`crontab -l failed: ${result.stderr.trim() || `exit ${result.code}`}`, 'check that you may use cron on this host');
}

// Runs crontab with `input` on stdin; a non-zero exit rejects unless `tolerate`.
function crontab(args: string[], env: NodeJS.ProcessEnv, input: string, tolerate = false): Promise<CrontabResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('crontab', args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (error) => {
      const hint = 'install cron, or add the line that `train-monitor install-cron --dry-run` prints with `crontab -e`';
      const code = (error as NodeJS.ErrnoException).code;
      reject(new CronError(code === 'ENOENT' ? 'crontab is not on PATH' : `cannot run crontab (${code ?? error.message})`, hint, error));
    });
    child.on('close', (code) => {
      if (code !== 0 && !tolerate) reject(new CronError(`crontab ${args.join(' ')} failed: ${stderr.trim() || `exit ${code}`}`));
      else resolvePromise({ code, stdout, stderr });
    });
    child.stdin.on('error', () => {}); // a crontab that could not start: reported by 'error' above
    child.stdin.end(input);
  });
}
