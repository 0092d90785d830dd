import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Heartbeat, Marker } from '../../lib/common/marker.js';
import { BIN, isolatedEnv, makeTempDir, runBin, startBin, type RunResult } from '../helpers/run-bin.js';

/** A marker as the wrapper writes it (seed fields first); override what a test needs. */
export function makeMarker(workDir: string, runId: string | null, overrides: Partial<Marker> = {}): Marker {
  return {
    timestamp: '2024-05-02 12:34:56',
    status: 'success',
    exit_code: 0,
    log_file: runId ? `logs/train_20240502_113450_${runId}.log` : 'logs/train_20240502_113450.log',
    schema: 1,
    signal: null,
    run_id: runId,
    command: 'python train.py --epochs 3',
    work_dir: workDir,
    host: 'gpu042',
    user: 'alice',
    pid: 4242,
    started_at: '2024-05-02T11:34:50+08:00',
    ended_at: '2024-05-02T12:34:56+08:00',
    duration_s: 3606.2,
    slurm: null,
    gpus: [],
    wrapper_version: '0.1.0',
    ...overrides,
  };
}

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
      const marker = makeMarker(dir, runId, overrides);
      if (marker.log_file && !marker.log_file.startsWith('/') && !marker.log_file.includes('..')) {
        mkdirSync(join(dir, 'logs'), { recursive: true });
        writeFileSync(join(dir, marker.log_file), log);
      }
      const path = join(dir, runId ? `.train_complete.${runId}.json` : '.train_complete.json');
      writeFileSync(path, JSON.stringify(marker, null, 2));
      return path;
    },
    writeHeartbeat(runId: string | null, seq: number, overrides: Partial<Heartbeat> = {}, dir = workDir): string {
      const path = join(dir, runId ? `.train_running.${runId}.json` : '.train_running.json');
      writeFileSync(path, JSON.stringify(makeHeartbeat(dir, runId, seq, overrides)));
      return path;
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
