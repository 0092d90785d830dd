import { execFile } from 'node:child_process';
import { matchRows, parseJobKeys, parseSacct, parseScontrol, parseSqueue, type JobKey, type JobState } from './parse-output.js';

export type { JobState } from './parse-output.js';

/** Where the answer came from: the last command that settled a job, or null when nothing could be asked. */
export type StateSource = 'sacct' | 'scontrol' | 'squeue' | null;

export interface QueryOptions {
  /** Environment for the Slurm commands (PATH, SLURM_CONF); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Limit for each command, default 10000 ms. */
  timeoutMs?: number;
}

/** The scheduler's answer for a batch of jobs; ids it knows nothing about are absent from `states`. */
export interface JobStatesResult {
  available: boolean;
  source: StateSource;
  /** One line for the report: where the states came from, or why there are none. */
  note: string;
  /** Keyed by the ids as passed in. */
  states: Map<string, JobState>;
}

interface CommandResult {
  ok: boolean;
  stdout: string;
  /** First line of stderr or the spawn error, for notes. */
  problem: string;
  missing: boolean;
}

const DEFAULT_TIMEOUT_MS = 10_000;

// Per environment (PATH + SLURM_CONF): sacct found without accounting storage once, so later passes skip it.
const accountingOff = new Map<string, string>();

/** Runs one Slurm command without a shell; never throws. */
function runCommand(file: string, args: string[], options: Required<QueryOptions>): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { env: options.env, timeout: options.timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const firstLine = (text: string) => text.split('\n').find((l) => l.trim())?.trim() ?? '';
        if (!error) return resolve({ ok: true, stdout, problem: '', missing: false });
        const code = (error as NodeJS.ErrnoException).code;
        const missing = code === 'ENOENT';
        const killed = (error as { killed?: boolean }).killed === true;
        const problem = missing
          ? `${file} not found`
          : killed
            ? `${file} timed out after ${options.timeoutMs} ms`
            : `${file}: ${firstLine(stderr) || error.message}`;
        resolve({ ok: false, stdout, problem, missing });
      },
    );
  });
}

/** Asks squeue once for every job; jobs it does not list are no longer pending or running. */
async function askSqueue(
  keys: JobKey[],
  options: Required<QueryOptions>,
): Promise<{ result: CommandResult; active: Map<string, JobState> }> {
  const ids = keys.map((k) => k.id).join(',');
  const result = await runCommand('squeue', ['-h', '-r', '-j', ids, '-o', '%A|%i|%T|%r'], options);
  // A single unknown id makes squeue fail with "Invalid job id specified": the job simply left the queue.
  if (!result.ok && /invalid job id/i.test(result.problem)) return { result: { ...result, ok: true, stdout: '' }, active: new Map() };
  return { result, active: result.ok ? matchRows(keys, parseSqueue(result.stdout)) : new Map() };
}

/** Asks sacct once for the ended jobs; `off` when accounting storage is disabled or sacct is missing. */
async function askSacct(keys: JobKey[], options: Required<QueryOptions>, cacheKey: string) {
  const known = accountingOff.get(cacheKey);
  if (known) return { off: true, problem: known, states: new Map<string, JobState>() };
  const ids = keys.map((k) => k.id).join(',');
  const result = await runCommand('sacct', ['-n', '-P', '-X', '-j', ids, '-o', 'JobID,JobIDRaw,State,ExitCode,Reason'], options);
  if (!result.ok) {
    const off = result.missing || /accounting storage is disabled|accounting_storage\/none/i.test(result.problem);
    const problem = result.missing ? 'sacct not found' : off ? 'sacct unavailable (no accounting storage)' : result.problem;
    if (off) accountingOff.set(cacheKey, problem);
    return { off: true, problem, states: new Map<string, JobState>() };
  }
  return { off: false, problem: '', states: matchRows(keys, parseSacct(result.stdout)) };
}

/**
 * The scheduler's view of many jobs in one pass: one `squeue` for all of them, then for those no longer queued one
 * `sacct` where accounting works, else one `scontrol show job` (jobs stay there for MinJobAge). Never throws.
 * Ids: `123`, array tasks `123_4`; a requeue suffix `_r<N>` is ignored.
 */
export async function queryJobStates(jobIds: string[], options: QueryOptions = {}): Promise<JobStatesResult> {
  const opts: Required<QueryOptions> = { env: options.env ?? process.env, timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS };
  const { keys, invalid } = parseJobKeys(jobIds);
  const states = new Map<string, JobState>();
  const skipped = invalid.length ? `; not Slurm job ids: ${invalid.join(', ')}` : '';
  if (keys.length === 0) return { available: false, source: null, note: `no Slurm job ids to ask about${skipped}`, states };

  const queue = await askSqueue(keys, opts);
  if (!queue.result.ok) {
    const why = queue.result.missing ? 'Slurm commands not found (squeue)' : `scheduler not answering (${queue.result.problem})`;
    return { available: false, source: null, note: `${why}${skipped}`, states };
  }
  for (const [id, state] of queue.active) states.set(id, state);
  const ended = keys.filter((k) => !states.has(k.asked));
  if (ended.length === 0) return { available: true, source: 'squeue', note: `state from squeue${skipped}`, states };

  const cacheKey = `${opts.env.PATH ?? ''}|${opts.env.SLURM_CONF ?? ''}`;
  const acct = await askSacct(ended, opts, cacheKey);
  for (const [id, state] of acct.states) states.set(id, state);
  const rest = ended.filter((k) => !states.has(k.asked));
  if (rest.length === 0) return { available: true, source: 'sacct', note: `state from sacct${skipped}`, states };

  const show = await runCommand('scontrol', ['show', 'job', '-o'], opts);
  if (show.ok) for (const [id, state] of matchRows(rest, parseScontrol(show.stdout))) states.set(id, state);
  const unknown = rest.filter((k) => !states.has(k.asked)).map((k) => k.asked);
  const parts: string[] = [];
  if (acct.off) parts.push(`${acct.problem}; state from scontrol show job`);
  else parts.push('state from sacct and scontrol show job');
  if (!show.ok) parts.push(`scontrol failed (${show.problem})`);
  if (unknown.length) parts.push(`unknown to the scheduler (ended longer ago than MinJobAge?): ${unknown.join(', ')}`);
  return { available: true, source: show.ok ? 'scontrol' : acct.off ? 'squeue' : 'sacct', note: parts.join('; ') + skipped, states };
}
