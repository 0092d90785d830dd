import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { BIN, ROOT, isolatedEnv, makeTempDir, runBin, startBin, type RunResult } from '../helpers/run-bin.js';

export const FIXTURES = join(ROOT, 'test', 'fixtures', 'wrapper');
export const FAKE_BIN = join(ROOT, 'test', 'fixtures', 'bin');

/** A fresh work dir and state dir for one test; `cleanup` removes both. */
export function makeSandbox(extraEnv: NodeJS.ProcessEnv = {}) {
  const tmp = makeTempDir('hpc-run-wrapper-');
  const workDir = join(tmp.dir, 'work');
  const stateDir = join(tmp.dir, 'state');
  mkdirSync(workDir);
  const env = isolatedEnv(stateDir);
  delete env.PYTHONUNBUFFERED; // the wrapper's default is under test
  Object.assign(env, extraEnv);
  return {
    root: tmp.dir,
    workDir,
    stateDir,
    env,
    cleanup: tmp.cleanup,
    /** Runs the real bin/train-wrapper to its end. */
    run: (args: string[], env2: NodeJS.ProcessEnv = {}) => runBin(BIN.wrapper, args, { env: { ...env, ...env2 } }),
    /** Starts the real bin/train-wrapper; `lines` collects stdout so a test can wait for "ready". */
    start: (args: string[], env2: NodeJS.ProcessEnv = {}) => {
      const started = startBin(BIN.wrapper, args, { env: { ...env, ...env2 } });
      let seen = '';
      started.child.stdout?.on('data', (d: Buffer | string) => (seen += d.toString()));
      return { ...started, output: () => seen };
    },
    /** The only completion marker in the work dir, parsed (fails the test when there is not exactly one). */
    marker: (dir = workDir) => {
      const names = readdirSync(dir).filter((n) => /^\.train_complete.*\.json$/.test(n));
      if (names.length !== 1) throw new Error(`expected one marker in ${dir}, found ${JSON.stringify(names)}`);
      return { name: names[0], data: JSON.parse(readFileSync(join(dir, names[0]), 'utf8')) as Record<string, unknown> };
    },
    logs: () => (existsSync(join(workDir, 'logs')) ? readdirSync(join(workDir, 'logs')).sort() : []),
    spool: () => (existsSync(join(stateDir, 'spool')) ? readdirSync(join(stateDir, 'spool')).sort() : []),
  };
}

export type Sandbox = ReturnType<typeof makeSandbox>;

/** What `bash -c CMD` exits with, as a shell reports it (128+N after signal N). */
export function bashStatus(command: string, cwd: string): number {
  const result = spawnSync('bash', ['-c', command], { cwd, stdio: 'ignore' });
  if (result.signal) return 128 + constants.signals[result.signal];
  return result.status ?? -1;
}

/** The wrapper's exit status from a RunResult (it never dies by a signal itself in these tests). */
export function statusOf(result: RunResult): number | string {
  return result.code ?? `signal ${result.signal}`;
}
