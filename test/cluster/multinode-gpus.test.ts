import { spawnSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '../helpers/run-bin.js';
import { TEMPLATE } from './cluster.js';

// multinode.sbatch's reading of Slurm's GPU variables, run by bash with a stand-in wrapper that prints what it got
// (no cluster needed: every case, including SLURM_GPUS_PER_NODE, which a GPU-less test cluster cannot take).
describe('multinode.sbatch: GPUs per node', () => {
  const tmp = makeTempDir('hpc-run-gpus-');
  afterAll(tmp.cleanup);
  writeFileSync(join(tmp.dir, 'wrapper'), '#!/bin/sh\necho "GPUS_PER_NODE=$GPUS_PER_NODE"\n');
  writeFileSync(join(tmp.dir, 'scontrol'), '#!/bin/sh\necho node1\n');
  writeFileSync(join(tmp.dir, 'node'), '#!/bin/sh\n');
  for (const name of ['wrapper', 'scontrol', 'node']) chmodSync(join(tmp.dir, name), 0o755);

  const run = (env: Record<string, string>) => {
    const result = spawnSync('/bin/bash', [TEMPLATE('multinode.sbatch')], {
      env: {
        PATH: `${tmp.dir}:/usr/bin:/bin`, TRAIN_WRAPPER: join(tmp.dir, 'wrapper'), WORK_DIR: tmp.dir, SLURM_JOB_NODELIST: 'node1',
        ...env,
      },
      encoding: 'utf8',
    });
    return { code: result.status, out: result.stdout.trim(), err: result.stderr.trim() };
  };

  test.each([
    [{ SLURM_GPUS_PER_NODE: 'a100:4' }, '4'],
    [{ SLURM_GPUS_PER_NODE: '8' }, '8'],
    [{ SLURM_GPUS_ON_NODE: '2', SLURM_GPUS_PER_NODE: '4', CUDA_VISIBLE_DEVICES: '0' }, '2'],
    [{ CUDA_VISIBLE_DEVICES: '0,1,2' }, '3'],
    [{ GPUS_PER_NODE: '6', SLURM_GPUS_PER_NODE: '4' }, '6'],
  ])('%j → %s', (env, expected) => {
    expect(run(env)).toEqual({ code: 0, out: `GPUS_PER_NODE=${expected}`, err: '' });
  });

  test('no GPUs allocated: one process per node, and a line saying how to ask for GPUs', () => {
    const result = run({});
    expect(result).toMatchObject({ code: 0, out: 'GPUS_PER_NODE=1' });
    expect(result.err).toMatch(/^multinode\.sbatch: no GPUs allocated .*--gpus-per-node=N$/);
  });

  test('a count it cannot use: one line, exit 2, the wrapper never starts', () => {
    expect(run({ GPUS_PER_NODE: 'four' })).toEqual({
      code: 2,
      out: '',
      err: expect.stringMatching(/^multinode\.sbatch: cannot use 'four' as the number of GPUs per node/),
    });
  });
});
