import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAtJobEnd, parseSqueueEndTime, readSlurmInfo, resolveJobEndTime } from '../../lib/slurm/env.js';
import { makeTempDir } from '../helpers/run-bin.js';

describe('readSlurmInfo', () => {
  test('null outside Slurm', () => {
    expect(readSlurmInfo({})).toBeNull();
    expect(readSlurmInfo({ SLURM_JOB_NAME: 'x', SLURM_JOB_ID: '' })).toBeNull();
  });

  test('an array task on a requeued job', () => {
    expect(
      readSlurmInfo({
        SLURM_JOB_ID: '123456',
        SLURM_ARRAY_JOB_ID: '123450',
        SLURM_ARRAY_TASK_ID: '7',
        SLURM_JOB_NAME: 'bert',
        SLURM_JOB_PARTITION: 'gpu',
        SLURM_JOB_NODELIST: 'gpu[041-042]',
        SLURM_RESTART_COUNT: '2',
      }),
    ).toEqual({
      job_id: '123456',
      array_job_id: '123450',
      array_task_id: '7',
      job_name: 'bert',
      partition: 'gpu',
      nodelist: 'gpu[041-042]',
      restart_count: 2,
    });
  });

  test('a plain job: missing fields are null, SLURM_NODELIST is the fallback, restart count 0', () => {
    expect(readSlurmInfo({ SLURM_JOB_ID: '42', SLURM_NODELIST: 'gpu042', SLURM_RESTART_COUNT: 'x' })).toEqual({
      job_id: '42',
      array_job_id: null,
      array_task_id: null,
      job_name: null,
      partition: null,
      nodelist: 'gpu042',
      restart_count: 0,
    });
  });
});

describe('parseSqueueEndTime', () => {
  test('standard format is local time', () => {
    expect(parseSqueueEndTime('2024-01-01T12:34:56\n')).toEqual(new Date(2024, 0, 1, 12, 34, 56));
  });
  test('no end time', () => {
    for (const text of ['N/A\n', 'Unknown\n', 'NONE\n', '', '\n', 'slurm_load_jobs error: Invalid job id specified\n']) {
      expect(parseSqueueEndTime(text)).toBeNull();
    }
  });
});

describe('resolveJobEndTime', () => {
  const tmp = makeTempDir('hpc-run-slurm-env-');
  afterAll(() => tmp.cleanup());

  // A fake squeue first on PATH: records its arguments and SLURM_TIME_FORMAT, prints `output`, exits with `code`.
  function fakeSqueue(name: string, output: string, code = 0, sleepS = 0): { env: NodeJS.ProcessEnv; argsFile: string } {
    const dir = join(tmp.dir, name);
    const argsFile = join(dir, 'args.txt');
    writeFileSync(join(tmp.dir, `${name}.out`), output);
    mkdirSync(dir);
    const script = [
      '#!/bin/sh',
      `echo "$* TIME_FORMAT=$SLURM_TIME_FORMAT" >> '${argsFile}'`,
      sleepS ? `exec sleep ${sleepS}` : '',
      `cat '${join(tmp.dir, `${name}.out`)}'`,
      `exit ${code}`,
    ].join('\n');
    writeFileSync(join(dir, 'squeue'), `${script}\n`);
    chmodSync(join(dir, 'squeue'), 0o755);
    return { env: { PATH: `${dir}:${process.env.PATH ?? ''}`, SLURM_JOB_ID: '777' }, argsFile };
  }

  test('outside Slurm: null, squeue not run', async () => {
    const { env, argsFile } = fakeSqueue('outside', '2030-01-01T00:00:00\n');
    delete env.SLURM_JOB_ID;
    expect(await resolveJobEndTime(env)).toBeNull();
    expect(() => readFileSync(argsFile)).toThrow();
  });

  test('SLURM_JOB_END_TIME wins and squeue is not run', async () => {
    const { env, argsFile } = fakeSqueue('envtime', '2030-01-01T00:00:00\n');
    env.SLURM_JOB_END_TIME = '1735689600';
    expect(await resolveJobEndTime(env)).toEqual(new Date(1735689600 * 1000));
    expect(() => readFileSync(argsFile)).toThrow();
  });

  test('otherwise exactly one squeue -h -j $SLURM_JOB_ID -o %e, in the standard time format', async () => {
    const { env, argsFile } = fakeSqueue('squeue', '2024-06-30T23:59:01\n');
    env.SLURM_JOB_END_TIME = '';
    expect(await resolveJobEndTime(env)).toEqual(new Date(2024, 5, 30, 23, 59, 1));
    expect(readFileSync(argsFile, 'utf8')).toBe('-h -j 777 -o %e TIME_FORMAT=standard\n');
  });

  test('N/A from squeue, a failing squeue, a missing squeue and a hung squeue all give null', async () => {
    expect(await resolveJobEndTime(fakeSqueue('na', 'N/A\n').env)).toBeNull();
    expect(await resolveJobEndTime(fakeSqueue('fails', 'slurm_load_jobs error: Invalid job id specified\n', 1).env)).toBeNull();
    expect(await resolveJobEndTime({ SLURM_JOB_ID: '777', PATH: '/nonexistent-dir' })).toBeNull();
    expect(await resolveJobEndTime(fakeSqueue('hangs', '', 0, 30).env, { timeoutMs: 500 })).toBeNull();
  });

  test('an explicit squeue path', async () => {
    const { env } = fakeSqueue('explicit', '2031-02-03T04:05:06\n');
    const squeue = join(tmp.dir, 'explicit', 'squeue');
    expect(await resolveJobEndTime({ SLURM_JOB_ID: '1', PATH: process.env.PATH }, { squeue })).toEqual(new Date(2031, 1, 3, 4, 5, 6));
    expect(env.SLURM_JOB_ID).toBe('777');
  });
});

describe('isAtJobEnd', () => {
  const end = new Date(2024, 0, 1, 12, 0, 0);
  test('a minute of slack before the end time counts', () => {
    expect(isAtJobEnd(end, new Date(2024, 0, 1, 11, 59, 10))).toBe(true);
    expect(isAtJobEnd(end, new Date(2024, 0, 1, 12, 0, 30))).toBe(true);
    expect(isAtJobEnd(end, new Date(2024, 0, 1, 11, 58, 30))).toBe(false);
    expect(isAtJobEnd(null, new Date())).toBe(false);
  });
});
