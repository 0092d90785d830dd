import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Heartbeat, Marker } from '../../lib/common/marker.js';
import { localRun, makeMarker, writeMarker } from '../helpers/marker.js';
import { BIN, isolatedEnv, makeTempDir, runBin, startBin, type RunResult } from '../helpers/run-bin.js';

/** A heartbeat as the wrapper rewrites it while the command runs. */
export function makeHeartbeat(workDir: string, runId: string | null, seq: number, overrides: Partial<Heartbeat> = {}): Heartbeat {
  return {
    schema: 1,
    run_id: runId,
    pid: 999999,
    host: 'gpu042',
    user: 'alice',
    command: 'python train.py',
    work_dir: workDir,
    started_at: '2024-05-02T11:00:00+08:00',
    log_file: runId ? `logs/train_20240502_110000_${runId}.log` : 'logs/train_20240502_110000.log',
    seq,
    updated_at: '2024-05-02T11:30:00+08:00',
    log_bytes: 10,
    last_output_at: null,
    slurm: null,
    ...overrides,
  };
}

/** A temp work dir, state dir and config dir; writes markers, logs and configs; runs the real bin/train-monitor. */
export function makeMonitorSandbox() {
  const tmp = makeTempDir('hpc-run-monitor-');
  const workDir = join(tmp.dir, 'work');
  const stateDir = join(tmp.dir, 'state');
  mkdirSync(join(workDir, 'logs'), { recursive: true });
  const env = isolatedEnv(stateDir, { HOME: tmp.dir });
  const box = {
    root: tmp.dir,
    workDir,
    stateDir,
    env,
    configPath: join(tmp.dir, 'config.yaml'),
    cleanup: tmp.cleanup,
    /** Writes `config.yaml` (YAML text) and returns its path. */
    writeConfig(yaml: string): string {
      writeFileSync(box.configPath, yaml);
      return box.configPath;
    },
    /** Writes a marker and its log as the wrapper would; returns the marker path. */
    writeMarker(runId: string | null, overrides: Partial<Marker> = {}, dir = workDir, log = 'epoch 1\nepoch 2\ndone\n'): string {
      return writeMarker(dir, runId, makeMarker({ ...localRun(dir, runId), ...overrides }), log);
    },
    writeHeartbeat(runId: string | null, seq: number, overrides: Partial<Heartbeat> = {}, dir = workDir): string {
      const path = join(dir, runId ? `.train_running.${runId}.json` : '.train_running.json');
      writeFileSync(path, JSON.stringify(makeHeartbeat(dir, runId, seq, overrides)));
      return path;
    },
    /** What the console channel appended to notifications.log so far ('' before its first report). */
    notifications(): string {
      const path = join(stateDir, 'notifications.log');
      return existsSync(path) ? readFileSync(path, 'utf8') : '';
    },
    /** Names in the work dir starting with `.train_`. */
    trainFiles(dir = workDir): string[] {
      return readdirSync(dir).filter((n) => n.startsWith('.train_')).sort();
    },
    /** Runs `train-monitor` to its end with this sandbox's environment. */
    monitor(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<RunResult> {
      return runBin(BIN.monitor, args, { env: { ...env, ...extraEnv }, cwd: tmp.dir });
    },
    startMonitor(args: string[], extraEnv: NodeJS.ProcessEnv = {}) {
      return startBin(BIN.monitor, args, { env: { ...env, ...extraEnv }, cwd: tmp.dir });
    },
  };
  return box;
}

export type MonitorSandbox = ReturnType<typeof makeMonitorSandbox>;
