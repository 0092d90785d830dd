import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { queryJobStates } from '../../lib/slurm/query.js';
import { makeTempDir } from '../helpers/run-bin.js';

// Fake squeue/sacct/scontrol on a private PATH: each logs its arguments and prints what the test put in the
// environment, in the exact formats the real commands print (checked against Slurm 22.05 on a test cluster).
interface Fake {
  out?: string;
  err?: string;
  code?: number;
  sleep?: number;
}

const temps: Array<() => void> = [];
afterAll(() => temps.forEach((cleanup) => cleanup()));

/** Writes the fake commands into a fresh dir; returns the env for queryJobStates and a reader of the call log. */
function fakeSlurm(fakes: Partial<Record<'squeue' | 'sacct' | 'scontrol', Fake>>) {
  const { dir, cleanup } = makeTempDir('hpc-run-fake-slurm-');
  temps.push(cleanup);
  const log = join(dir, 'calls.log');
  const env: NodeJS.ProcessEnv = { PATH: dir, CALL_LOG: log };
  for (const [name, fake] of Object.entries(fakes)) {
    const key = name.toUpperCase();
    env[`${key}_OUT`] = fake.out ?? '';
    env[`${key}_ERR`] = fake.err ?? '';
    const script = [
      '#!/bin/bash',
      `printf '%s\\n' "${name} $*" >> "$CALL_LOG"`,
      fake.sleep ? `read -t ${fake.sleep} <> <(:) || true` : '',
      `printf '%s' "$${key}_OUT"`,
      `[ -n "$${key}_ERR" ] && printf '%s\\n' "$${key}_ERR" >&2`,
      `exit ${fake.code ?? 0}`,
    ].join('\n');
    writeFileSync(join(dir, name), `${script}\n`);
    chmodSync(join(dir, name), 0o755);
  }
  const calls = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) : []);
  return { env, calls };
}

const SCONTROL_OUT = [
  'JobId=101 JobName=bert UserId=alice(1000) GroupId=alice(1000) Priority=1 JobState=FAILED Reason=NonZeroExitCode ' +
    'Dependency=(null) Requeue=1 Restarts=0 BatchFlag=1 ExitCode=3:0 RunTime=00:00:04 TimeLimit=UNLIMITED',
  'JobId=205 ArrayJobId=200 ArrayTaskId=4 JobName=sweep UserId=alice(1000) JobState=OUT_OF_MEMORY Reason=OutOfMemory ' +
    'Restarts=0 ExitCode=0:125',
  'JobId=300 JobName=long UserId=alice(1000) JobState=TIMEOUT Reason=TimeLimit Restarts=0 ExitCode=0:15',
  'JobId=301 JobName=gone UserId=alice(1000) JobState=NODE_FAIL Reason=NodeDown Restarts=0 ExitCode=0:0',
  'JobId=302 JobName=stop UserId=alice(1000) JobState=CANCELLED Reason=None Restarts=0 ExitCode=0:15',
  'JobId=400 JobName=live UserId=alice(1000) JobState=RUNNING Reason=None Restarts=0 ExitCode=0:0',
  '',
].join('\n');

describe('queryJobStates (fake Slurm commands)', () => {
  test('jobs still queued come from one squeue call and nothing else is asked', async () => {
    const { env, calls } = fakeSlurm({ squeue: { out: '101|101|RUNNING|None\n205|200_4|PENDING|Resources\n' }, sacct: {}, scontrol: {} });
    const result = await queryJobStates(['101', '200_4'], { env });
    expect(result).toMatchObject({ available: true, source: 'squeue' });
    expect(result.states.get('101')).toEqual({ state: 'RUNNING', running: true });
    expect(result.states.get('200_4')).toEqual({ state: 'PENDING', running: true, reason: 'Resources' });
    expect(calls()).toEqual(["squeue -h -r -j 101,200_4 -o %A|%i|%T|%r"]);
  });

  test('ended jobs come from one sacct call; CANCELLED by uid, TIMEOUT, OUT_OF_MEMORY, NODE_FAIL, array ids', async () => {
    const sacct = [
      '101|101|CANCELLED by 1000|0:15|None',
      '200_4|205|OUT_OF_MEMORY|0:125|None',
      '300|300|TIMEOUT|0:15|None',
      '301|301|NODE_FAIL|0:0|None',
      '302|302|COMPLETED|0:0|None',
      '303|303|FAILED|3:0|NonZeroExitCode',
      '',
    ].join('\n');
    const { env, calls } = fakeSlurm({ squeue: { out: '400|400|RUNNING|None\n' }, sacct: { out: sacct }, scontrol: {} });
    const ids = ['101', '200_4', '300', '301', '302', '303', '400'];
    const result = await queryJobStates(ids, { env });
    expect(result).toMatchObject({ available: true, source: 'sacct', note: 'state from sacct' });
    expect(result.states.get('101')).toEqual({ state: 'CANCELLED', running: false, reason: 'cancelled by uid 1000', exitCode: '0:15' });
    expect(result.states.get('200_4')).toMatchObject({ state: 'OUT_OF_MEMORY', running: false, exitCode: '0:125' });
    expect(result.states.get('300')?.state).toBe('TIMEOUT');
    expect(result.states.get('301')?.state).toBe('NODE_FAIL');
    expect(result.states.get('302')).toEqual({ state: 'COMPLETED', running: false, exitCode: '0:0' });
    expect(result.states.get('303')).toEqual({ state: 'FAILED', running: false, reason: 'NonZeroExitCode', exitCode: '3:0' });
    expect(result.states.get('400')?.running).toBe(true);
    expect(calls()).toEqual([
      'squeue -h -r -j 101,200_4,300,301,302,303,400 -o %A|%i|%T|%r',
      'sacct -n -P -X -j 101,200_4,300,301,302,303 -o JobID,JobIDRaw,State,ExitCode,Reason',
    ]);
  });

  test('without accounting storage: one scontrol call, the note says so, and later passes skip sacct', async () => {
    const { env, calls } = fakeSlurm({
      squeue: { out: '400|400|RUNNING|None\n' },
      sacct: { code: 1, err: 'Slurm accounting storage is disabled' },
      scontrol: { out: SCONTROL_OUT },
    });
    const ids = ['101', '200_4', '205', '300', '301', '302', '400'];
    const first = await queryJobStates(ids, { env });
    expect(first.available).toBe(true);
    expect(first.source).toBe('scontrol');
    expect(first.note).toBe('sacct unavailable (no accounting storage); state from scontrol show job');
    expect(first.states.get('101')).toEqual({ state: 'FAILED', running: false, reason: 'NonZeroExitCode', exitCode: '3:0' });
    expect(first.states.get('200_4')).toEqual({ state: 'OUT_OF_MEMORY', running: false, reason: 'OutOfMemory', exitCode: '0:125' });
    expect(first.states.get('205')?.state).toBe('OUT_OF_MEMORY');
    expect(first.states.get('300')).toMatchObject({ state: 'TIMEOUT', reason: 'TimeLimit' });
    expect(first.states.get('301')).toMatchObject({ state: 'NODE_FAIL', reason: 'NodeDown' });
    expect(first.states.get('302')).toEqual({ state: 'CANCELLED', running: false, exitCode: '0:15' });
    expect(first.states.get('400')).toEqual({ state: 'RUNNING', running: true });
    const second = await queryJobStates(['101', '300'], { env });
    expect(second.note).toBe('sacct unavailable (no accounting storage); state from scontrol show job');
    expect(calls().map((c) => c.split(' ')[0])).toEqual(['squeue', 'sacct', 'scontrol', 'squeue', 'scontrol']);
  });

  test("squeue's failure for a single unknown id means the job left the queue", async () => {
    const { env, calls } = fakeSlurm({
      squeue: { code: 1, err: 'slurm_load_jobs error: Invalid job id specified' },
      scontrol: { out: SCONTROL_OUT },
    });
    const result = await queryJobStates(['300'], { env });
    expect(result.states.get('300')).toMatchObject({ state: 'TIMEOUT', running: false });
    expect(result.note).toBe('sacct not found; state from scontrol show job');
    expect(calls()).toHaveLength(2);
  });

  test('a requeue suffix is ignored and ids unknown everywhere are named in the note', async () => {
    const { env } = fakeSlurm({
      squeue: {}, sacct: { code: 1, err: 'Slurm accounting storage is disabled' }, scontrol: { out: SCONTROL_OUT },
    });
    const result = await queryJobStates(['300_r2', '999', 'not-a-job'], { env });
    expect(result.states.get('300_r2')?.state).toBe('TIMEOUT');
    expect(result.states.has('999')).toBe(false);
    expect(result.note).toContain('unknown to the scheduler (ended longer ago than MinJobAge?): 999');
    expect(result.note).toContain('not Slurm job ids: not-a-job');
  });

  test('no Slurm commands: available false with a note, never a throw', async () => {
    const { env } = fakeSlurm({});
    const result = await queryJobStates(['101'], { env });
    expect(result).toMatchObject({ available: false, source: null, note: 'Slurm commands not found (squeue)' });
    expect(result.states.size).toBe(0);
  });

  test('a controller that does not answer: available false, the error in the note', async () => {
    const { env } = fakeSlurm({ squeue: { code: 1, err: 'slurm_load_jobs error: Unable to contact slurm controller (connect failure)' } });
    const result = await queryJobStates(['101'], { env });
    expect(result.available).toBe(false);
    expect(result.note).toBe(
      'scheduler not answering (squeue: slurm_load_jobs error: Unable to contact slurm controller (connect failure))',
    );
  });

  test('a hanging command is cut off by timeoutMs', async () => {
    const { env } = fakeSlurm({ squeue: { sleep: 30 } });
    const result = await queryJobStates(['101'], { env, timeoutMs: 300 });
    expect(result.available).toBe(false);
    expect(result.note).toBe('scheduler not answering (squeue timed out after 300 ms)');
  });

  test('no valid ids: nothing is run', async () => {
    const { env, calls } = fakeSlurm({ squeue: {} });
    const result = await queryJobStates(['', 'abc'], { env });
    expect(result.available).toBe(false);
    expect(calls()).toEqual([]);
  });
});
