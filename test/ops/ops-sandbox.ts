import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, ROOT, isolatedEnv, makeTempDir, runBin, startBin, waitFor, type RunResult } from '../helpers/run-bin.js';

export const FAKE_GPU_BIN = join(ROOT, 'test', 'fixtures', 'bin');

/** A temp state dir and work dirs; real wrappers started in the background (stopped by cleanup); the real monitor. */
export function makeOpsSandbox() {
  const tmp = makeTempDir('hpc-run-ops-');
  const stateDir = join(tmp.dir, 'state');
  const env = isolatedEnv(stateDir, { HOME: tmp.dir });
  const wrappers: Array<{ child: ChildProcess; done: Promise<RunResult> }> = [];
  const box = {
    root: tmp.dir,
    stateDir,
    env,
    configPath: join(tmp.dir, 'config.yaml'),
    /** A fresh work dir under the sandbox. */
    workDir(name: string): string {
      const dir = join(tmp.dir, name);
      mkdirSync(dir, { recursive: true });
      return dir;
    },
    writeConfig(yaml: string): string {
      writeFileSync(box.configPath, yaml);
      return box.configPath;
    },
    /** Starts a real train-wrapper running `command` through sh (heartbeat every 0.5 s) and waits for its heartbeat. */
    async startWrapper(
      workDir: string,
      runId: string,
      command: string,
      extraEnv: NodeJS.ProcessEnv = {},
      options: { waitForStart?: boolean } = {},
    ) {
      const run = startBin(
        BIN.wrapper,
        ['--work-dir', workDir, '--run-id', runId, '--heartbeat-interval', '0.5', '--quiet', '--command', command],
        { env: { ...env, ...extraEnv }, cwd: tmp.dir },
      );
      wrappers.push(run);
      if (options.waitForStart === false) return run;
      // Ready once both its heartbeat and its spool entry (written in parallel by the wrapper) are there.
      const spool = join(stateDir, 'spool');
      const registered = () =>
        existsSync(spool) &&
        readdirSync(spool).some(
          (n) => n.endsWith('.json') && !n.startsWith('.') && readFileSync(join(spool, n), 'utf8').includes(`"run_id": "${runId}"`),
        );
      await waitFor(() => existsSync(join(workDir, `.train_running.${runId}.json`)) && registered());
      return run;
    },
    monitor(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<RunResult> {
      return runBin(BIN.monitor, args, { env: { ...env, ...extraEnv }, cwd: tmp.dir });
    },
    startMonitor(args: string[], extraEnv: NodeJS.ProcessEnv = {}) {
      return startBin(BIN.monitor, args, { env: { ...env, ...extraEnv }, cwd: tmp.dir });
    },
    /** Creates `<dir>/go`, the file a test command waits for (`while [ ! -e go ]; do sleep 0.1; done`). */
    go(dir: string): void {
      writeFileSync(join(dir, 'go'), '');
    },
    /** The console channel's record of every report. */
    notifications(): string {
      const path = join(stateDir, 'notifications.log');
      return existsSync(path) ? readFileSync(path, 'utf8') : '';
    },
    /** Every line of history.jsonl, parsed. */
    history(): Array<Record<string, unknown>> {
      const path = join(stateDir, 'history.jsonl');
      return existsSync(path)
        ? readFileSync(path, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>)
        : [];
    },
    async cleanup(): Promise<void> {
      for (const w of wrappers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGTERM');
      await Promise.all(wrappers.map((w) => w.done));
      rmSync(tmp.dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    },
  };
  return box;
}

export type OpsSandbox = ReturnType<typeof makeOpsSandbox>;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How many reports with this title word the console channel recorded. */
export function countReports(text: string, status: RegExp): number {
  return text.split(/^=====.*=====$/m).filter((block) => status.test(block.split('\n').find((l) => l.trim() !== '') ?? '')).length;
}
