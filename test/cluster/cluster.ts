import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { parseMarker, type Heartbeat, type Marker } from '../../lib/common/marker.js';
import { heartbeatFileName, markerFileName } from '../../lib/common/paths.js';
import { queryJobStates, type JobState } from '../../lib/slurm/query.js';
import { isAlive } from '../helpers/processes.js';
import { BIN, ROOT, isolatedEnv, makeTempDir, waitFor } from '../helpers/run-bin.js';

// The test cluster of test/cluster/cluster.sh, found through the env file it writes (nothing is exported globally).
export const SLURM_DIR = process.env.HPC_RUN_SLURM_DIR || '/tmp/hpc-run-slurm';
export const CLUSTER_SCRIPT = join(ROOT, 'test', 'cluster', 'cluster.sh');
export const TRAIN_PY = join(ROOT, 'examples', 'train.py');
export const TEMPLATE = (name: string) => join(ROOT, 'slurm', name);

export interface Cluster {
  /** SLURM_CONF and the PATH the scheduler's commands are found on. */
  env: NodeJS.ProcessEnv;
  conf: string;
}

/** Finds the test cluster and checks that it answers; returns why not otherwise. */
export function probeCluster(): Cluster | { reason: string } {
  const envFile = join(SLURM_DIR, 'env');
  if (!existsSync(envFile)) return { reason: `no ${envFile} (start the test cluster: sudo bash test/cluster/cluster.sh up)` };
  const conf = /^SLURM_CONF=(.+)$/m.exec(readFileSync(envFile, 'utf8'))?.[1]?.trim();
  if (!conf || !existsSync(conf)) return { reason: `${envFile} names no existing slurm.conf` };
  const env = { PATH: process.env.PATH, SLURM_CONF: conf };
  try {
    const state = execFileSync('sinfo', ['-h', '-o', '%t'], {
      env, timeout: 10_000, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
    if (!/^(idle|mix|alloc|comp)/m.test(state)) return { reason: `the test cluster's node is not usable (sinfo: ${state || 'nothing'})` };
  } catch (error) {
    return { reason: `sinfo does not answer: ${String((error as { stderr?: string }).stderr || (error as Error).message).split('\n')[0]}` };
  }
  return { env, conf };
}

/**
 * `describe` for tests that need the real scheduler. Without a cluster they are skipped with a visible reason,
 * except under CI=true, where a missing cluster is a failure.
 */
export function describeWithCluster(title: string, body: (cluster: () => Cluster) => void): void {
  const probe = probeCluster();
  if ('reason' in probe) {
    if (process.env.CI === 'true') {
      describe(title, () => {
        test('a Slurm test cluster answers (required under CI=true)', () => {
          throw new Error(`no Slurm test cluster: ${probe.reason}`);
        });
      });
      return;
    }
    console.warn(`Slurm tests skipped (${title}): ${probe.reason}`);
    describe.skip(title, () => body(() => { throw new Error(probe.reason); }));
    return;
  }
  describe(title, () => body(() => probe));
}

/** Environment for sbatch (exported to the job by Slurm): isolated state dir, this repo's bin first on PATH. */
export function jobEnv(cluster: Cluster, stateDir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const path = [join(ROOT, 'bin'), dirname(process.execPath), process.env.PATH ?? '/usr/bin:/bin'].join(delimiter);
  return isolatedEnv(stateDir, { PATH: path, SLURM_CONF: cluster.conf, TRAIN_WRAPPER: BIN.wrapper, ...extra });
}

/** One cluster suite's shared state and set-up; see {@link useClusterSuite}. */
export interface ClusterSuite {
  /** The cluster, from the suite's beforeAll on. */
  readonly cluster: Cluster;
  /** Jobs the suite submitted: cancelled (and waited for) at its end. */
  readonly jobs: string[];
  /** Run at the suite's end, after its jobs ended (temp dirs). */
  readonly cleanups: Array<() => void>;
  /** A work dir (readable by slurmd, under /tmp) with its own state dir and job environment. */
  workspace(extra?: NodeJS.ProcessEnv): { dir: string; env: NodeJS.ProcessEnv };
  /** Submits a job (`args` to sbatch) that the suite cancels at its end if it still runs; resolves its id. */
  sbatch(args: string[], env: NodeJS.ProcessEnv, dir: string): Promise<string>;
}

/**
 * The set-up every cluster suite shares, inside describeWithCluster's body: beforeAll takes the cluster and holds
 * its lock (`lock`) for the whole suite; afterAll cancels the suite's jobs, runs `beforeRelease` (still under the
 * lock), releases the lock and runs the cleanups. A workspace's job environment has WORK_DIR and `jobEnv`, then
 * the `extra` given.
 */
export function useClusterSuite(getCluster: () => Cluster, options: {
  lock: 'shared' | 'exclusive';
  tempPrefix: string;
  jobEnv?: NodeJS.ProcessEnv;
  beforeRelease?: () => void | Promise<void>;
  afterAllTimeoutMs?: number;
}): ClusterSuite {
  let cluster: Cluster | undefined;
  let release: (() => void) | undefined;
  const jobs: string[] = [];
  const cleanups: Array<() => void> = [];
  const suite: ClusterSuite = {
    get cluster(): Cluster {
      if (!cluster) throw new Error('the cluster is known from beforeAll on');
      return cluster;
    },
    jobs,
    cleanups,
    workspace(extra = {}) {
      const { dir, cleanup } = makeTempDir(options.tempPrefix);
      cleanups.push(cleanup);
      const env = jobEnv(suite.cluster, join(dir, '.state'), { WORK_DIR: dir, ...options.jobEnv, ...extra });
      return { dir, env };
    },
    async sbatch(args, env, dir) {
      const id = await submit(args, env, dir);
      jobs.push(id);
      return id;
    },
  };
  beforeAll(async () => {
    cluster = getCluster();
    release = await lockCluster(options.lock);
  }, 660_000);
  afterAll(async () => {
    try {
      if (cluster) await cancelJobs(jobs, cluster.env);
      await options.beforeRelease?.();
    } finally {
      release?.();
      runCleanups(cleanups);
    }
  }, options.afterAllTimeoutMs);
  return suite;
}

/** Runs a Slurm client command; resolves stdout or rejects with its stderr. */
export function slurm(command: string, args: string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { env, cwd, timeout: 30_000, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')}: ${stderr.trim() || error.message}`));
      else resolve(stdout);
    });
  });
}

/** Submits a batch script from `cwd`; returns the job id. */
export async function submit(args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<string> {
  const out = await slurm('sbatch', ['--parsable', ...args], env, cwd);
  const id = out.trim().split(';')[0];
  if (!/^\d+$/.test(id)) throw new Error(`sbatch printed no job id: ${out}`);
  return id;
}

/** Waits until the scheduler no longer lists the job as queued; returns its final state. */
export async function waitForJobEnd(id: string, env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<JobState> {
  const state = await waitFor(async () => {
    const answer = await queryJobStates([id], { env });
    const found = answer.states.get(id);
    return found && !found.running ? found : null;
  }, timeoutMs, 300);
  return state!;
}

/** Waits for the completion marker of a run and parses it. */
export async function waitForMarker(workDir: string, runId: string | null, timeoutMs = 60_000): Promise<Marker> {
  const file = join(workDir, markerFileName(runId));
  await waitFor(() => existsSync(file), timeoutMs, 100);
  return parseMarker(readFileSync(file, 'utf8'), file);
}

/** Waits for the heartbeat of a run to reach `minSeq`; returns it. */
export async function waitForHeartbeat(workDir: string, runId: string | null, minSeq = 1, timeoutMs = 60_000): Promise<Heartbeat> {
  const file = join(workDir, heartbeatFileName(runId));
  const heartbeat = await waitFor(() => {
    try {
      const hb = JSON.parse(readFileSync(file, 'utf8')) as Heartbeat;
      return hb.seq >= minSeq ? hb : null;
    } catch {
      return null;
    }
  }, timeoutMs, 100);
  return heartbeat!;
}

/** The log a marker names, as text. */
export function readRunLog(workDir: string, marker: Marker): string {
  return marker.log_file ? readFileSync(join(workDir, marker.log_file), 'utf8') : '';
}

/** Cancels jobs a test left behind and waits (bounded) until they ended, so their dirs can be removed. */
export async function cancelJobs(ids: string[], env: NodeJS.ProcessEnv): Promise<void> {
  if (ids.length === 0) return;
  await slurm('scancel', ids, env).catch(() => undefined);
  await waitFor(async () => {
    const answer = await queryJobStates(ids, { env });
    return !answer.available || [...answer.states.values()].every((s) => !s.running);
  }, 30_000, 300).catch(() => undefined);
}

/** Runs every cleanup even when one fails (a job's last write can race a removal). */
export function runCleanups(cleanups: Array<() => void>): void {
  for (const cleanup of cleanups) {
    try {
      cleanup();
    } catch {
      // a temp dir left behind is harmless
    }
  }
}

const LOCK_DIR = join(SLURM_DIR, 'test-locks');

/**
 * A readers-writer lock between jest workers over the one cluster: test files that only submit jobs share it;
 * the file that restarts the cluster with another proctrack plugin takes it alone. Owners are pids, so a lock
 * left by a dead process is ignored. Returns the release function.
 */
export async function lockCluster(mode: 'shared' | 'exclusive', timeoutMs = 600_000): Promise<() => void> {
  mkdirSync(LOCK_DIR, { recursive: true });
  const me = `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const exclusive = join(LOCK_DIR, 'exclusive');
  const ownerAlive = (name: string) => isAlive(Number(name.split('-')[0]));
  const exclusiveHolder = (): string | null => {
    try {
      const owner = readFileSync(join(exclusive, 'owner'), 'utf8');
      if (ownerAlive(owner)) return owner;
      rmSync(exclusive, { recursive: true, force: true });
    } catch {
      // none, or half-made: its maker finishes or dies
    }
    return null;
  };
  const sharedHolders = () =>
    readdirSync(LOCK_DIR).filter((n) => n.startsWith('shared.') && n !== `shared.${me}` && ownerAlive(n.slice(7)));
  if (mode === 'shared') {
    await waitFor(() => {
      if (exclusiveHolder()) return false;
      writeFileSync(join(LOCK_DIR, `shared.${me}`), '');
      if (!exclusiveHolder()) return true;
      rmSync(join(LOCK_DIR, `shared.${me}`), { force: true });
      return false;
    }, timeoutMs, 250);
    return () => rmSync(join(LOCK_DIR, `shared.${me}`), { force: true });
  }
  await waitFor(() => {
    exclusiveHolder();
    try {
      mkdirSync(exclusive);
    } catch {
      return false;
    }
    writeFileSync(join(exclusive, 'owner'), me);
    return true;
  }, timeoutMs, 250);
  await waitFor(() => sharedHolders().length === 0, timeoutMs, 250);
  return () => rmSync(exclusive, { recursive: true, force: true });
}

/** Runs test/cluster/cluster.sh (up/down/status …); rejects with its output when it fails. */
export function runClusterScript(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('bash', [CLUSTER_SCRIPT, ...args], { timeout: 120_000, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) reject(new Error(`cluster.sh ${args.join(' ')} failed: ${stderr}${stdout}`));
      else resolve(stdout + stderr);
    });
  });
}
