import { resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';

/** The commands for runs while they live (`train-monitor status|follow|stop`). */
export const OPS_COMMANDS = new Set(['status', 'follow', 'stop']);

const HELP: Record<string, string> = {
  status: `Usage: train-monitor status [--json] [--all] [--work-dir DIR]...

One table of your runs: from the spool (every run the wrapper registered), their heartbeats, markers and the
delivery history. STATE is running, stalled, gpu idle, delivering, delivered, delivery failing or lost; OUTPUT is
the age of the last output; GPU the mean utilisation and memory used now; LAST LINE the log's last line.

Options:
  --json          an array of runs (run_id, work_dir, job_id, host, state, elapsed_s, last_output_at, …)
  --all           add finished runs whose report was delivered (from history.jsonl, newest 100)
  --work-dir DIR  only runs in DIR (repeatable; also finds runs the spool does not know)
  -h, --help      this help

Stalled, gpu idle and lost come from the monitor's own observations (a running monitor); colours only on a
terminal and never with NO_COLOR.`,
  follow: `Usage: train-monitor follow [RUN] [--lines N]

Shows the last N lines (default 10) of a run's log, then every new line (polling every 500 ms, NFS-safe), and
ends with the run's final status and exit code when its marker (or its lost verdict) appears. RUN is a run id or
a work dir; default: the newest running run. Exit 0 at the end, 130 on Ctrl-C.`,
  stop: `Usage: train-monitor stop RUN [--signal TERM|INT|USR1|USR2] [--reason TEXT]

Asks a run's wrapper to signal its command: writes .train_control[.<run-id>].json into the run's work dir
(atomically); the wrapper checks it every few seconds and acts once (TERM goes through the usual grace period).
No ssh, the same inside and outside Slurm. RUN is a run id or a work dir. The marker and the report then say who
stopped the run and why. Exit 1 when RUN is unknown or has already ended.`,
};

type Parsed = { values: Record<string, string | boolean | string[] | boolean[] | undefined>; positionals: string[] };

// node's own parser, every mistake one clear usage line.
function parse(command: string, argv: string[], options: NonNullable<ParseArgsConfig['options']>): Parsed {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' }, quiet: { type: 'boolean' } }, allowPositionals: true, strict: true }) as Parsed;
  } catch (error) {
    throw new UsageError(`${command}: ${(error as Error).message.split('\n')[0]}`, `train-monitor ${command} --help`);
  }
}

/** Runs `train-monitor status|follow|stop …`; returns the exit status (errors go to the one error boundary). */
export async function runOpsCommand(command: string, argv: string[], io: { env: NodeJS.ProcessEnv; cwd: string; logger: Logger }): Promise<number> {
  if (command === 'status') {
    const { values, positionals } = parse(command, argv, { json: { type: 'boolean' }, all: { type: 'boolean' }, 'work-dir': { type: 'string', multiple: true } });
    if (values.help) return help(command, io.logger);
    if (positionals.length) throw new UsageError(`status takes no argument, got '${positionals[0]}'`, 'use --work-dir DIR to narrow it');
    const workDirs = ((values['work-dir'] as string[] | undefined) ?? []).map((d) => resolve(io.cwd, d));
    const { runStatus } = await import('./status.js');
    return runStatus({ json: values.json === true, all: values.all === true, workDirs }, { env: io.env, logger: io.logger, stdout: process.stdout });
  }
  if (command === 'follow') {
    const { values, positionals } = parse(command, argv, { lines: { type: 'string', short: 'n' } });
    if (values.help) return help(command, io.logger);
    if (positionals.length > 1) throw new UsageError(`follow takes one RUN, got ${positionals.length}`);
    const lines = values.lines === undefined ? 10 : Number(values.lines);
    if (!Number.isInteger(lines) || lines < 0) throw new UsageError(`--lines must be a whole number ≥ 0, got '${String(values.lines)}'`);
    const { runFollow } = await import('./follow.js');
    return runFollow({ run: positionals[0], lines }, io);
  }
  const { values, positionals } = parse(command, argv, { signal: { type: 'string', short: 's' }, reason: { type: 'string' } });
  if (values.help) return help(command, io.logger);
  if (positionals.length !== 1) throw new UsageError(positionals.length ? `stop takes one RUN, got ${positionals.length}` : 'stop needs RUN: a run id or a work dir', 'train-monitor status lists the runs');
  const { runStop } = await import('./stop.js');
  return runStop({ run: positionals[0], signal: values.signal as string | undefined, reason: values.reason as string | undefined }, io);
}

function help(command: string, logger: Logger): number {
  logger.out(HELP[command]);
  return 0;
}
