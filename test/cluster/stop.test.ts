import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../helpers/run-bin.js';
import { controlFileExists, writeControlFile } from '../wrapper/control-file.js';
import {
  TEMPLATE, TRAIN_PY, describeWithCluster, readRunLog, useClusterSuite, waitForHeartbeat, waitForJobEnd,
  waitForMarker,
} from './cluster.js';

// `train-monitor stop` under the real scheduler: the control file in the work dir reaches the wrapper inside the
// job (no ssh, no scancel); TERM ends the run through the grace period, USR1 reaches the script and it goes on.
describeWithCluster('stop through the control file under the real scheduler', (getCluster) => {
  const suite = useClusterSuite(getCluster, {
    lock: 'shared', tempPrefix: 'hpc-run-slurm-stop-', jobEnv: { KILL_GRACE: '5', HPC_RUN_HEARTBEAT_INTERVAL: '1' },
  });
  const { workspace } = suite;
  const sbatch = (env: NodeJS.ProcessEnv, dir: string) => suite.sbatch([TEMPLATE('train.sbatch')], env, dir);

  // The run's log once it shows `pattern` (the script is past its start and handles signals).
  async function waitForLog(dir: string, pattern: RegExp): Promise<void> {
    await waitFor(() => {
      const names = existsSync(join(dir, 'logs')) ? readdirSync(join(dir, 'logs')) : [];
      return names.some((name) => pattern.test(readFileSync(join(dir, 'logs', name), 'utf8')));
    }, 60_000, 100);
  }

  test('TERM: the run ends terminated with stopped_by and the reason; the job ends; the control file is gone', async () => {
    const { dir, env } = workspace({ TRAIN_CMD: `python3 ${TRAIN_PY} --steps 2 --sleep 0.01 --hang` });
    const id = await sbatch(env, dir);
    await waitForHeartbeat(dir, id);
    await waitForLog(dir, /hanging/);
    writeControlFile(dir, id, { signal: 'TERM', reason: 'loss diverged', by: 'alice@login1' });
    const marker = await waitForMarker(dir, id);
    expect(marker).toMatchObject({
      status: 'terminated', run_id: id, signal: 'SIGTERM', exit_code: 143, stopped_by: 'alice@login1', stop_reason: 'loss diverged',
    });
    expect(marker.slurm).toMatchObject({ job_id: id });
    const state = await waitForJobEnd(id, suite.cluster.env);
    expect(state).toMatchObject({ state: 'FAILED', exitCode: '143:0' });
    expect(controlFileExists(dir, id)).toBe(false);
  });

  test('USR1: the script checkpoints and trains on; the run ends in success with no stopped_by', async () => {
    const { dir, env } = workspace({ TRAIN_CMD: `python3 ${TRAIN_PY} --steps 300 --sleep 0.05 --checkpoint-dir ckpt` });
    const id = await sbatch(env, dir);
    await waitForLog(dir, /step=\d+/);
    writeControlFile(dir, id, { signal: 'USR1', reason: null });
    const marker = await waitForMarker(dir, id);
    expect(marker).toMatchObject({ status: 'success', exit_code: 0 });
    expect(marker).not.toHaveProperty('stopped_by');
    const log = readRunLog(dir, marker);
    expect(log).toMatch(/checkpoint saved at step \d+/);
    expect(log).toContain('training done: 300 steps');
    expect(controlFileExists(dir, id)).toBe(false);
    expect((await waitForJobEnd(id, suite.cluster.env)).state).toBe('COMPLETED');
  });
});
