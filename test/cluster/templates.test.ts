import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, makeTempDir, waitFor } from '../helpers/run-bin.js';
import { TEMPLATE, TRAIN_PY, describeWithCluster, readRunLog, useClusterSuite, waitForJobEnd, waitForMarker } from './cluster.js';

// What the templates read from Slurm and what they say when the compute node cannot start the wrapper.
describeWithCluster('slurm/ templates: GPUs per node and a missing node', (getCluster) => {
  const suite = useClusterSuite(getCluster, { lock: 'shared', tempPrefix: 'hpc-run-slurm-tpl-', jobEnv: { KILL_GRACE: '2' } });
  const { workspace, sbatch, cleanups } = suite;

  // multinode.sbatch with a torchrun stand-in that prints its arguments; returns the run's log.
  async function multinodeLog(extra: NodeJS.ProcessEnv): Promise<string> {
    const fakeBin = makeTempDir('hpc-run-torchrun-');
    cleanups.push(fakeBin.cleanup);
    writeFileSync(
      join(fakeBin.dir, 'torchrun'),
      `#!/bin/bash\necho "torchrun stand-in: $*"\nexec python3 ${TRAIN_PY} --steps 1 --sleep 0.01\n`,
    );
    chmodSync(join(fakeBin.dir, 'torchrun'), 0o755);
    const { dir, env } = workspace(extra);
    env.PATH = `${fakeBin.dir}:${env.PATH}`;
    const id = await sbatch(['--nodes=1', TEMPLATE('multinode.sbatch')], env, dir);
    const marker = await waitForMarker(dir, id);
    expect(marker.status).toBe('success');
    return readRunLog(dir, marker);
  }

  // (SLURM_GPUS_PER_NODE cannot be faked here: srun reads it as --gpus-per-node, and this cluster has no GPUs.)
  test('multinode.sbatch takes GPUs per node from SLURM_GPUS_ON_NODE, else CUDA_VISIBLE_DEVICES', async () => {
    const [fromSlurm, fromVisible] = await Promise.all([
      multinodeLog({ SLURM_GPUS_ON_NODE: '4' }),
      multinodeLog({ CUDA_VISIBLE_DEVICES: '0,1,2' }),
    ]);
    expect(fromSlurm).toContain('--nproc-per-node=4 ');
    expect(fromVisible).toContain('--nproc-per-node=3 ');
  });

  test.each([
    ['train.sbatch', [] as string[], 'slurm-%j.out'],
    ['multinode.sbatch', ['--nodes=1'], 'slurm-%j.out'],
    ['requeue.sbatch', [], 'slurm-%j.out'],
    ['array.sbatch', ['--array=0'], 'slurm-%A_%a.out'],
  ])('%s without node on PATH: one clear line with the module hint in the .out, exit 127', async (name, args, out) => {
    // A PATH with no node on it (node lives in /usr/bin on many hosts, so the standard dirs are left out too).
    const empty = makeTempDir('hpc-run-nonode-');
    cleanups.push(empty.cleanup);
    const emptyBin = join(empty.dir, 'bin');
    mkdirSync(emptyBin);
    const { dir, env } = workspace({ TRAIN_WRAPPER: BIN.wrapper });
    const id = await sbatch([`--export=ALL,PATH=${emptyBin}`, ...args, TEMPLATE(name)], env, dir);
    const state = await waitForJobEnd(id, suite.cluster.env);
    expect(state).toMatchObject({ state: 'FAILED', exitCode: '127:0' });
    const file = join(dir, out.replace('%j', id).replace('%A', id).replace('%a', '0'));
    const text = await waitFor(() => readFileSync(file, 'utf8').trim(), 10_000);
    const notOnPath = new RegExp(`^${name.replace('.', '\\.')}: node \\(Node\\.js\\) is not on PATH on .*module load nodejs`);
    expect(text.split('\n')).toEqual([expect.stringMatching(notOnPath)]);
  });
});
