import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive } from '../helpers/processes.js';
import { ROOT, waitFor } from '../helpers/run-bin.js';
import {
  TEMPLATE, describeWithCluster, runClusterScript, slurm, useClusterSuite, waitForHeartbeat, waitForJobEnd,
  waitForMarker,
} from './cluster.js';

const TREE = join(ROOT, 'test', 'cluster', 'fixtures', 'tree.sh');
const PID_FILES = ['main.pid', 'worker1.pid', 'worker2.pid'];

// After scancel no process of the job may survive, whichever way Slurm tracks processes. The wrapper runs its
// command in a process group of its own, which proctrack/pgid does not follow: the wrapper's own SIGKILL of
// that group after --kill-grace (below KillWait) is what ends it there.
describeWithCluster('scancel leaves no process behind (proctrack/linuxproc and proctrack/pgid)', (getCluster) => {
  const started: number[] = [];
  const suite = useClusterSuite(getCluster, {
    lock: 'exclusive',
    tempPrefix: 'hpc-run-slurm-proctrack-',
    jobEnv: { KILL_GRACE: '2', HPC_RUN_HEARTBEAT_INTERVAL: '1' },
    beforeRelease: async () => {
      for (const pid of started) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
      // Leave the cluster as the other tests expect it.
      await runClusterScript(['up', '--proctrack', 'linuxproc']);
    },
    afterAllTimeoutMs: 180_000,
  });

  test.each(['linuxproc', 'pgid'])('proctrack/%s: SIGTERM-ignoring script and workers are all gone after scancel', async (plugin) => {
    await runClusterScript(['up', '--proctrack', plugin]);
    const config = await slurm('scontrol', ['show', 'config'], suite.cluster.env);
    expect(config).toMatch(new RegExp(`ProctrackType\\s*=\\s*proctrack/${plugin}`));

    const { dir, env } = suite.workspace();
    const pidDir = join(dir, 'pids');
    env.TRAIN_CMD = `bash ${TREE} ${pidDir} 2`;
    const id = await suite.sbatch([TEMPLATE('train.sbatch')], env, dir);
    await waitForHeartbeat(dir, id);
    await waitFor(() => PID_FILES.every((f) => existsSync(join(pidDir, f))), 30_000);
    const pids = PID_FILES.map((f) => Number(readFileSync(join(pidDir, f), 'utf8').trim()));
    started.push(...pids);
    expect(pids.every(isAlive)).toBe(true);

    await slurm('scancel', [id], env);
    const marker = await waitForMarker(dir, id);
    expect(marker).toMatchObject({ status: 'terminated', run_id: id });
    expect((await waitForJobEnd(id, suite.cluster.env)).state).toBe('CANCELLED');
    await waitFor(() => pids.every((pid) => !isAlive(pid)), 30_000, 100).catch(() => undefined);
    expect(pids.filter(isAlive)).toEqual([]);
  }, 120_000);
});
