/** The scheduler's view of one job, as queryJobStates reports it. */
export interface JobState {
  /** Slurm's state name, first word only: `RUNNING`, `COMPLETED`, `CANCELLED`, `TIMEOUT`, `NODE_FAIL`, `OUT_OF_MEMORY` … */
  state: string;
  /** True while the job is still in the queue (pending, running, suspended, completing …): not ended yet. */
  running: boolean;
  /** Slurm's reason code when it says something (`NonZeroExitCode`, `TimeLimit` …), or who cancelled it. */
  reason?: string;
  /** `exit:signal` as Slurm prints it, e.g. `3:0` or `0:9`. */
  exitCode?: string;
}

/** A job id as asked for, split into the forms Slurm prints: plain `123`, array task `123_4`. */
export interface JobKey {
  asked: string;
  /** The id without a requeue suffix (`_r<N>`), as Slurm knows it. */
  id: string;
  arrayJobId?: string;
  arrayTaskId?: string;
}

const JOB_ID = /^(\d+)(?:_(\d+))?(?:_r\d+)?$/;

/** Splits the ids asked for; ids that are not Slurm job ids are left out (returned separately). */
export function parseJobKeys(ids: string[]): { keys: JobKey[]; invalid: string[] } {
  const keys: JobKey[] = [];
  const invalid: string[] = [];
  for (const asked of new Set(ids.map((id) => id.trim()).filter(Boolean))) {
    const match = JOB_ID.exec(asked);
    if (!match) {
      invalid.push(asked);
      continue;
    }
    keys.push(
      match[2] === undefined
        ? { asked, id: match[1] }
        : { asked, id: `${match[1]}_${match[2]}`, arrayJobId: match[1], arrayTaskId: match[2] },
    );
  }
  return { keys, invalid };
}

/** One job as a command printed it: every id it can be known by, and its state. */
interface Row {
  ids: string[];
  state: JobState;
}

/** Splits `CANCELLED by 0` into the state and who did it. */
function splitState(raw: string): { state: string; by?: string } {
  const [state, ...rest] = raw.trim().split(/\s+/);
  const by = rest.join(' ');
  return by ? { state: state ?? '', by } : { state: state ?? '' };
}

const EMPTY_REASON = new Set(['', 'None', '(null)', 'N/A']);

/** Builds a JobState from Slurm's strings; `running` is given by the command that saw the job. */
function buildState(rawState: string, running: boolean, reason?: string, exitCode?: string): JobState {
  const { state, by } = splitState(rawState);
  const result: JobState = { state, running };
  const cleanReason = reason?.trim();
  if (cleanReason && !EMPTY_REASON.has(cleanReason)) result.reason = cleanReason;
  else if (by) result.reason = `cancelled by uid ${by.replace(/^by\s+/, '')}`;
  if (exitCode?.trim()) result.exitCode = exitCode.trim();
  return result;
}

/** Parses `squeue -h -r -o '%A|%i|%T|%r'`: every job listed is still in the queue. */
export function parseSqueue(stdout: string): Row[] {
  const rows: Row[] = [];
  for (const line of stdout.split('\n')) {
    const [raw, id, state, reason] = line.trim().split('|');
    if (!raw || !id || !state) continue;
    rows.push({ ids: [raw, id], state: buildState(state, true, reason) });
  }
  return rows;
}

/** Parses `sacct -n -P -X -o JobID,JobIDRaw,State,ExitCode,Reason`. */
export function parseSacct(stdout: string): Row[] {
  const rows: Row[] = [];
  for (const line of stdout.split('\n')) {
    const [id, raw, state, exitCode, reason] = line.trim().split('|');
    if (!id || !state) continue;
    rows.push({ ids: [id, raw ?? id], state: buildState(state, false, reason, exitCode) });
  }
  return rows;
}

const SCONTROL_FIELD = /(?:^|\s)(JobId|ArrayJobId|ArrayTaskId|JobState|Reason|ExitCode)=(\S*)/g;

/** Parses `scontrol show job -o`: one line per job, `Key=Value` pairs. Jobs still listed there may have ended. */
export function parseScontrol(stdout: string): Row[] {
  const rows: Row[] = [];
  for (const line of stdout.split('\n')) {
    const fields = new Map<string, string>();
    for (const match of line.matchAll(SCONTROL_FIELD)) {
      if (!fields.has(match[1])) fields.set(match[1], match[2]);
    }
    const jobId = fields.get('JobId');
    const state = fields.get('JobState');
    if (!jobId || !state) continue;
    const ids = [jobId];
    const arrayJob = fields.get('ArrayJobId');
    const arrayTask = fields.get('ArrayTaskId');
    if (arrayJob && arrayTask && /^\d+$/.test(arrayTask)) ids.push(`${arrayJob}_${arrayTask}`);
    rows.push({ ids, state: buildState(state, !ENDED_STATES.has(splitState(state).state), fields.get('Reason'), fields.get('ExitCode')) });
  }
  return rows;
}

/** States in which a job has ended for good (scontrol still lists such jobs for MinJobAge). */
export const ENDED_STATES = new Set([
  'COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'NODE_FAIL', 'OUT_OF_MEMORY', 'PREEMPTED', 'BOOT_FAIL', 'DEADLINE',
  'REVOKED', 'SPECIAL_EXIT',
]);

/** Finds each asked key among the rows; the first row naming it wins. */
export function matchRows(keys: JobKey[], rows: Row[]): Map<string, JobState> {
  const byId = new Map<string, JobState>();
  for (const row of rows) {
    for (const id of row.ids) if (!byId.has(id)) byId.set(id, row.state);
  }
  const found = new Map<string, JobState>();
  for (const key of keys) {
    const state = byId.get(key.id);
    if (state) found.set(key.asked, state);
  }
  return found;
}
