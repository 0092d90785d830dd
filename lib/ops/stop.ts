import { randomBytes } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { writeFileAtomically } from '../common/atomic-write.js';
import { UsageError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { controlFileName, isoLocal } from '../common/paths.js';
import { resolveLiveRun } from './resolve-run.js';
import { runLabel } from './runs.js';

/** The signals `stop` may ask the wrapper to send. */
export const STOP_SIGNALS = ['TERM', 'INT', 'USR1', 'USR2'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

/** The control file the wrapper acts on once per nonce (`schema: 1`). */
export interface ControlFile {
  schema: 1;
  run_id: string | null;
  signal: StopSignal;
  reason: string | null;
  by: string;
  at: string;
  nonce: string;
}

/** `TERM`, `sigterm`, `SIGUSR1` … → the plain upper-case name; anything else is a usage error. */
export function normalizeSignal(value: string | undefined): StopSignal {
  if (value === undefined) return 'TERM';
  const name = value.trim().toUpperCase().replace(/^SIG/, '');
  if ((STOP_SIGNALS as readonly string[]).includes(name)) return name as StopSignal;
  throw new UsageError(`--signal must be one of ${STOP_SIGNALS.join(', ')}, got '${value}'`);
}


/**
 * `train-monitor stop RUN`: writes the control file into the run's work dir atomically and prints it; the wrapper
 * sees it within a few seconds (no ssh, the same inside and outside Slurm). Unknown or ended runs exit 1.
 */
export async function runStop(
  args: { run: string; signal?: string; reason?: string },
  io: { env: NodeJS.ProcessEnv; cwd: string; logger: Logger },
): Promise<number> {
  const signal = normalizeSignal(args.signal);
  const row = await resolveLiveRun(args.run, io.env, io.cwd);
  const control: ControlFile = {
    schema: 1,
    run_id: row.run_id,
    signal,
    reason: args.reason?.trim() ? args.reason.trim() : null,
    by: `${userInfo().username}@${hostname()}`,
    at: isoLocal(new Date()),
    nonce: randomBytes(12).toString('hex'),
  };
  const path = join(dirname(row.heartbeat_file!), controlFileName(row.run_id));
  await writeFileAtomically(path, `${JSON.stringify(control, null, 2)}\n`);
  if (row.state === 'lost') io.logger.warn(`run ${runLabel(row)} looks lost (its heartbeat is silent): the wrapper may never read this`);
  io.logger.out(`wrote ${path}:\n${JSON.stringify(control)}`);
  io.logger.info(
    `the wrapper of run ${runLabel(row)} on ${row.host || 'its node'} checks for it every few seconds and sends SIG${signal}; ` +
      `train-monitor follow ${row.run_id ?? row.work_dir} shows the end`,
  );
  return 0;
}
