import { afterAll, describe, expect, test } from '@jest/globals';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TrainDefaults } from '../../lib/config/types.js';
import { parseWrapperArgs } from '../../lib/wrapper/args.js';
import { normalizeWrapperOptions } from '../../lib/wrapper/options.js';
import { makeTempDir } from '../helpers/run-bin.js';

// The wrapper's values: flag, then variable, then the config's train: section, then the flag table's default.
async function normalize(argv: string[], env: NodeJS.ProcessEnv = {}, train: TrainDefaults = {}) {
  const parsed = await parseWrapperArgs(argv, env);
  if (parsed.kind !== 'run') throw new Error(`expected a run, got ${parsed.kind}`);
  return normalizeWrapperOptions(parsed.values, train);
}

// The thrown error's code and source, for tests that assert on them rather than on wording.
async function failure(argv: string[], env: NodeJS.ProcessEnv = {}, train: TrainDefaults = {}) {
  try {
    await normalize(argv, env, train);
  } catch (error) {
    const e = error as { code?: string; source?: unknown; message: string };
    return { code: e.code, source: e.source, message: e.message };
  }
  throw new Error('expected an error');
}

describe('normalizeWrapperOptions', () => {
  const { dir, cleanup } = makeTempDir();
  afterAll(cleanup);

  test('defaults, then config, then variables, then flags', async () => {
    const base = await normalize(['--work-dir', dir, '--command', 'x']);
    expect(base).toMatchObject({
      workDir: dir,
      logDir: `${dir}/logs`,
      heartbeatIntervalMs: 30000,
      killGraceMs: 20000,
      quiet: false,
      notify: false,
      runId: undefined,
    });
    expect(base.command).toEqual({ shell: true, text: 'x' });
    const fromConfig = await normalize([], {}, { work_dir: dir, command: 'y', log_dir: 'l' });
    expect(fromConfig).toMatchObject({ workDir: dir, logDir: `${dir}/l`, command: { text: 'y' } });
    const fromEnv = await normalize(
      [],
      { HPC_RUN_WORK_DIR: dir, HPC_RUN_COMMAND: 'z', HPC_RUN_KILL_GRACE: '1m', HPC_RUN_QUIET: 'yes' },
      { command: 'y' },
    );
    expect(fromEnv).toMatchObject({ command: { text: 'z' }, killGraceMs: 60000, quiet: true });
    const direct = await normalize(
      ['--work-dir', dir, '--heartbeat-interval', '0.05', '--kill-grace', '0', '--', 'python', 'train.py', 'a b'],
      { HPC_RUN_COMMAND: 'ignored' },
    );
    expect(direct).toMatchObject({
      command: { shell: false, file: 'python', args: ['train.py', 'a b'], text: "python train.py 'a b'" },
      heartbeatIntervalMs: 50,
      killGraceMs: 0,
    });
    expect(await normalize(['--work-dir', dir, '--no-quiet', '--', 'x'], { HPC_RUN_QUIET: '1' })).toMatchObject({ quiet: false });
    expect(await normalize(['--work-dir', dir, '--config', 'c.yaml', '--', 'x'], { HPC_RUN_CONFIG: 'ignored-here' })).toMatchObject({
      configPath: 'c.yaml',
    });
  });

  test('a bad value is blamed on the flag, variable or config key that gave it, with a code', async () => {
    const missing = join(dir, 'nope');
    expect(await failure(['--command', 'x'])).toMatchObject({ code: 'E_FLAG_MISSING' });
    expect(await failure(['--work-dir', dir, '--command', 'x', '--', 'y'])).toMatchObject({ code: 'E_FLAG_CONFLICT' });
    expect(await failure(['--work-dir', dir, '--command', ''])).toMatchObject({
      code: 'E_FLAG_VALUE',
      source: { kind: 'flag', name: '--command' },
    });
    expect(await failure(['--work-dir', dir, '--heartbeat-interval', '5x', '--', 'x'])).toMatchObject({
      code: 'E_FLAG_VALUE',
      source: { kind: 'flag', name: '--heartbeat-interval' },
    });
    const fromVariable = await failure(['--work-dir', dir, '--', 'x'], { HPC_RUN_HEARTBEAT_INTERVAL: '5x' });
    expect(fromVariable).toMatchObject({ code: 'E_FLAG_VALUE', source: { kind: 'env', name: 'HPC_RUN_HEARTBEAT_INTERVAL' } });
    expect(fromVariable.message).not.toContain('--heartbeat-interval');
    expect(await failure(['--work-dir', dir, '--', 'x'], { HPC_RUN_NOTIFY: 'sure' })).toMatchObject({
      code: 'E_FLAG_VALUE',
      source: { kind: 'env', name: 'HPC_RUN_NOTIFY' },
    });
    expect(await failure(['--', 'x'], { HPC_RUN_WORK_DIR: missing })).toMatchObject({
      code: 'E_FLAG_VALUE',
      source: { kind: 'env', name: 'HPC_RUN_WORK_DIR' },
    });
    const fromKey = await failure(['--', 'x'], {}, { work_dir: missing });
    expect(fromKey).toMatchObject({ code: 'E_FLAG_VALUE', source: { kind: 'config', name: 'train.work_dir' } });
    expect(fromKey.message).toBe(`train.work_dir ${missing} does not exist`);
    mkdirSync(join(dir, 'sub'));
    expect(await failure(['--work-dir', join(dir, 'sub', 'x'), '--', 'x'])).toMatchObject({ source: { kind: 'flag', name: '--work-dir' } });
  });
});
