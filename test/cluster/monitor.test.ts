import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startReceiver, type Receiver } from '../helpers/http-receiver.js';
import { isAlive } from '../helpers/processes.js';
import { BIN, isolatedEnv, makeTempDir, runBin, waitFor, type RunResult } from '../helpers/run-bin.js';
import { TEMPLATE, TRAIN_PY, describeWithCluster, useClusterSuite, waitForHeartbeat, waitForJobEnd, waitForMarker } from './cluster.js';

interface WebhookBody {
  title: string;
  content: string;
  status: string;
  marker: { run_id: string; status: string; scheduler_state?: string | null; scheduler_note?: string | null };
}

// The login-node monitor against the real scheduler: lost runs carry Slurm's view, arrays become one digest,
// and the scheduler is asked once per pass however many runs it needs to know about.
describeWithCluster('train-monitor with the real scheduler', (getCluster) => {
  let receiver: Receiver;
  const pidsToReap: number[] = [];
  const suite = useClusterSuite(getCluster, {
    lock: 'shared',
    tempPrefix: 'hpc-run-slurm-mon-',
    jobEnv: { KILL_GRACE: '2', HPC_RUN_HEARTBEAT_INTERVAL: '1' },
    beforeRelease: async () => {
      for (const pid of pidsToReap) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
      await receiver?.close();
    },
  });

  function workspace(extra: NodeJS.ProcessEnv = {}) {
    const { dir, env } = suite.workspace(extra);
    const monitorStateDir = join(dir, '.monitor-state');
    const config = join(dir, 'monitor.yaml');
    writeFileSync(config, `notification:\n  channels:\n    - {type: webhook, url: "${receiver.url}/hook"}\ndigest:\n  min_batch: 5\n`);
    return { dir, env, config, monitorStateDir };
  }

  /** One `train-monitor --once` pass over the work dirs, with the scheduler's commands on `path`. */
  function monitorPass(dirs: string[], config: string, stateDir: string, path = suite.cluster.env.PATH): Promise<RunResult> {
    const env = isolatedEnv(stateDir, { SLURM_CONF: suite.cluster.conf, PATH: path });
    const args = ['--once', '--stale-after', '2', '--config', config, ...dirs.flatMap((d) => ['--work-dir', d])];
    return runBin(BIN.monitor, args, { env });
  }

  /** Reports the receiver got for a run id. */
  function reportsFor(runId: string): WebhookBody[] {
    return receiver.requests.map((r) => r.json as WebhookBody).filter((b) => b?.marker?.run_id === runId);
  }

  /** Starts a hanging job, waits for its heartbeats, SIGKILLs its wrapper (what the OOM killer does). */
  async function startAndKillWrapper(w: ReturnType<typeof workspace>): Promise<string> {
    const trainCmd = `python3 ${TRAIN_PY} --steps 1 --sleep 0.01 --hang`;
    const id = await suite.sbatch([TEMPLATE('train.sbatch')], { ...w.env, TRAIN_CMD: trainCmd }, w.dir);
    const heartbeat = await waitForHeartbeat(w.dir, id, 2);
    const log = await waitFor(() => {
      const name = existsSync(join(w.dir, 'logs')) ? readdirSync(join(w.dir, 'logs'))[0] : undefined;
      const text = name ? readFileSync(join(w.dir, 'logs', name), 'utf8') : '';
      return /training: pid=\d+/.test(text) ? text : null;
    });
    pidsToReap.push(Number(/training: pid=(\d+)/.exec(log!)![1]));
    process.kill(heartbeat.pid, 'SIGKILL');
    await waitForJobEnd(id, suite.cluster.env);
    return id;
  }

  beforeAll(async () => {
    receiver = await startReceiver(() => ({ status: 200, body: { ok: true } }));
  });

  test('a wrapper SIGKILLed inside a running job: exactly one lost report, carrying the scheduler state', async () => {
    const w = workspace();
    const id = await startAndKillWrapper(w);
    expect(existsSync(join(w.dir, `.train_complete.${id}.json`))).toBe(false);
    await waitFor(async () => {
      await monitorPass([w.dir], w.config, w.monitorStateDir);
      return reportsFor(id).length > 0;
    }, 60_000, 500);
    // More passes (as cron would run them) add nothing.
    await monitorPass([w.dir], w.config, w.monitorStateDir);
    await monitorPass([w.dir], w.config, w.monitorStateDir);
    const reports = reportsFor(id);
    expect(reports).toHaveLength(1);
    expect(reports[0].status).toBe('lost');
    expect(reports[0].marker.scheduler_state).toBe('FAILED');
    expect(reports[0].marker.scheduler_note).toContain(`Slurm says job ${id} is FAILED`);
    expect(reports[0].marker.scheduler_note).toContain('sacct unavailable (no accounting storage); state from scontrol show job');
    expect(reports[0].content).toContain('FAILED');
    expect(readdirSync(w.dir).filter((n) => n.startsWith('.train_'))).toEqual([]);
  });

  test('array.sbatch with 10 tasks, 2 failing: 10 markers and logs, then one digest with counts and failed ids', async () => {
    const w = workspace({
      TRAIN_CMD: `python3 ${TRAIN_PY} --steps 2 --sleep 0.01 $(case $SLURM_ARRAY_TASK_ID in 3|7) echo --fail 3;; esac)`,
    });
    const arrayId = await suite.sbatch([TEMPLATE('array.sbatch')], w.env, w.dir);
    const taskIds = Array.from({ length: 10 }, (_, i) => `${arrayId}_${i}`);
    const markers = await Promise.all(taskIds.map((runId) => waitForMarker(w.dir, runId, 120_000)));
    expect(markers.map((m) => m.run_id)).toEqual(taskIds);
    expect(markers.filter((m) => m.status === 'failed').map((m) => m.slurm?.array_task_id)).toEqual(['3', '7']);
    const logs = readdirSync(join(w.dir, 'logs'));
    expect(logs).toHaveLength(10);
    expect(new Set(markers.map((m) => m.log_file)).size).toBe(10);
    for (const id of taskIds) expect(logs.some((n) => n.endsWith(`_${id}.log`))).toBe(true);

    const before = receiver.requests.length;
    const result = await monitorPass([w.dir], w.config, w.monitorStateDir);
    expect(result.code).toBe(0);
    const sent = receiver.requests.slice(before).map((r) => r.json as WebhookBody);
    expect(sent).toHaveLength(1);
    expect(sent[0].status).toBe('failed');
    expect(sent[0].title).toContain(`array ${arrayId}`);
    expect(sent[0].title).toContain('8/10 ok');
    expect(sent[0].content).toMatch(/success 8/);
    expect(sent[0].content).toMatch(/failed 2/);
    expect(sent[0].content).toMatch(/Failed tasks:?\s+3, 7/);
    expect(sent[0].content).toContain('CUDA out of memory');
    expect(readdirSync(w.dir).filter((n) => n.startsWith('.train_complete'))).toEqual([]);
  }, 180_000);

  test('scheduler queries are batched: one squeue / sacct / scontrol call per pass for three lost runs', async () => {
    // Each Slurm command on the monitor's PATH logs its caller's pid (one monitor process = one pass) and
    // then runs the real one.
    const spy = makeTempDir('hpc-run-slurm-spy-');
    suite.cleanups.push(spy.cleanup);
    const callLog = join(spy.dir, 'calls.log');
    for (const name of ['squeue', 'sacct', 'scontrol']) {
      const real = execFileSync('sh', ['-c', `command -v ${name}`], { env: suite.cluster.env, encoding: 'utf8' }).trim();
      writeFileSync(join(spy.dir, name), `#!/bin/sh\nprintf '%s %s %s\\n' "$PPID" "${name}" "$*" >> '${callLog}'\nexec '${real}' "$@"\n`);
      chmodSync(join(spy.dir, name), 0o755);
    }
    const spaces = [workspace(), workspace(), workspace()];
    const config = spaces[0].config;
    const ids: string[] = [];
    for (const w of spaces) ids.push(await startAndKillWrapper(w));
    const dirs = spaces.map((w) => w.dir);
    const path = `${spy.dir}:${suite.cluster.env.PATH}`;
    await waitFor(async () => {
      await monitorPass(dirs, config, spaces[0].monitorStateDir, path);
      return ids.every((id) => reportsFor(id).length > 0);
    }, 60_000, 500);
    for (const id of ids) expect(reportsFor(id)).toHaveLength(1);

    const calls = readFileSync(callLog, 'utf8').trim().split('\n').map((line) => {
      const [pid, name, ...args] = line.split(' ');
      return { pid, name, args: args.join(' ') };
    });
    const passes = new Map<string, string[]>();
    for (const c of calls) passes.set(c.pid, [...(passes.get(c.pid) ?? []), c.name]);
    for (const names of passes.values()) {
      for (const name of ['squeue', 'sacct', 'scontrol']) expect(names.filter((n) => n === name).length).toBeLessThanOrEqual(1);
    }
    // The pass that declared them lost asked about all three in one squeue call.
    expect(calls.some((c) => c.name === 'squeue' && ids.every((id) => c.args.split(/[ ,]/).includes(id)))).toBe(true);
  }, 180_000);
});
