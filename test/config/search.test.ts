import { join } from 'node:path';
import { ConfigError } from '../../lib/common/errors.js';
import { checkConfig, loadConfig } from '../../lib/config/load.js';
import { DEFAULTS } from '../../lib/config/defaults.js';
import { bareEnv, makeProject } from './helpers.js';

// Each location holds a config with its own include_last_n_lines, so the test sees which one was read.
const marked = (n: number) => `report:\n  include_last_n_lines: ${n}\n`;

describe('where the configuration is found', () => {
  let project: { dir: string; cleanup: () => void };
  let home: string;
  let cwd: string;
  beforeEach(() => {
    project = makeProject({
      'flag.yaml': marked(1),
      'env.yaml': marked(2),
      'work/config/config.yaml': `notification: {type: console}\n${marked(3)}`,
      'home/.config/hpc-run/config.yaml': marked(4),
    });
    home = join(project.dir, 'home');
    cwd = join(project.dir, 'work');
  });
  afterEach(() => project.cleanup());

  const lines = async (options: Parameters<typeof loadConfig>[0]) => (await loadConfig(options)).report.include_last_n_lines;

  test('--config wins over everything, and is resolved against the current directory', async () => {
    expect(await lines({ configPath: '../flag.yaml', cwd, env: bareEnv(home, { HPC_RUN_CONFIG: join(project.dir, 'env.yaml') }) })).toBe(1);
  });

  test('$HPC_RUN_CONFIG comes next', async () => {
    expect(await lines({ cwd, env: bareEnv(home, { HPC_RUN_CONFIG: join(project.dir, 'env.yaml') }) })).toBe(2);
  });

  test('then ./config/config.yaml of the current directory, when it has a notification section', async () => {
    expect(await lines({ cwd, env: bareEnv(home) })).toBe(3);
  });

  test("a project's own config/config.yaml without a notification section is skipped, and the skip is said", async () => {
    const hydra = makeProject({ 'config/config.yaml': 'train:\n  log_dir: ${hydra:runtime.output_dir}\n  epochs: 3\n' });
    try {
      const checked = await checkConfig({ cwd: hydra.dir, env: bareEnv(home) });
      expect(checked.file).toBe(join(home, '.config', 'hpc-run', 'config.yaml'));
      expect(checked.source).toBe('~/.config/hpc-run/config.yaml');
      expect(checked.config?.train).toEqual({});
      expect(checked.skipped).toEqual([
        { file: join(hydra.dir, 'config', 'config.yaml'), reason: expect.stringMatching(/no 'notification' section/) },
      ]);
    } finally {
      hydra.cleanup();
    }
  });

  test("a near miss such as `notifications:` is named in the skip's reason", async () => {
    const typo = makeProject({ 'config/config.yaml': 'notifications:\n  type: console\n' });
    try {
      const checked = await checkConfig({ cwd: typo.dir, env: bareEnv(join(typo.dir, 'no-home')) });
      expect(checked.file).toBeNull();
      expect(checked.skipped[0].reason).toMatch(/'notifications' is not one: did you mean 'notification'\?/);
    } finally {
      typo.cleanup();
    }
  });

  test('then ~/.config/hpc-run/config.yaml (from HOME), or $XDG_CONFIG_HOME/hpc-run/config.yaml', async () => {
    const config = await loadConfig({ cwd: project.dir, env: bareEnv(home) });
    expect(config.file).toBe(join(home, '.config', 'hpc-run', 'config.yaml'));
    expect(config.report.include_last_n_lines).toBe(4);
    project.cleanup();
    project = makeProject({ 'xdg/hpc-run/config.yaml': marked(5) });
    expect(await lines({ cwd: project.dir, env: bareEnv(home, { XDG_CONFIG_HOME: join(project.dir, 'xdg') }) })).toBe(5);
  });

  test('nothing anywhere: built-in defaults with the one console channel', async () => {
    const config = await loadConfig({ cwd: join(project.dir, 'nowhere'), env: bareEnv(join(project.dir, 'no-home')) });
    expect(config.file).toBeNull();
    expect(config.channels).toEqual([{ type: 'console', name: 'console' }]);
    expect(config.report).toEqual(DEFAULTS.report);
    expect(config.monitor).toEqual(DEFAULTS.monitor);
    expect(config.digest).toEqual({ min_batch: 5 });
    expect(config.train).toEqual({});
    expect(config.watch).toEqual([]);
    expect(config.secrets).toEqual([]);
    expect(config.warnings).toEqual([]);
  });

  test('a config file without a notification section also gets the console channel, marked as not configured', async () => {
    const config = await loadConfig({ cwd: project.dir, env: bareEnv(home) });
    expect(config.channels).toEqual([{ type: 'console', name: 'console' }]);
    expect(config.noChannelConfigured).toBe(true);
    expect((await loadConfig({ cwd, env: bareEnv(home) })).noChannelConfigured).toBe(false);
  });

  test('an empty config file is the defaults', async () => {
    project.cleanup();
    project = makeProject({ 'config/config.yaml': '# nothing yet\n' });
    const config = await loadConfig({ configPath: 'config/config.yaml', cwd: project.dir, env: bareEnv(home) });
    expect(config.file).toBe(join(project.dir, 'config', 'config.yaml'));
    expect(config.channels).toEqual([{ type: 'console', name: 'console' }]);
  });

  test('a missing --config file is a ConfigError naming it, exit status 2', async () => {
    const missing = join(project.dir, 'missing.yaml');
    const error = await loadConfig({ configPath: missing, cwd, env: bareEnv(home) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).exitCode).toBe(2);
    expect((error as ConfigError).file).toBe(missing);
    expect((error as ConfigError).message).toBe(`${missing}: cannot read the config file named by --config: no such file`);
    const check = await checkConfig({ configPath: missing, cwd, env: bareEnv(home) });
    expect(check.config).toBeNull();
    expect(check.file).toBe(missing);
    expect(check.errors).toHaveLength(1);
  });

  test('a missing $HPC_RUN_CONFIG file is an error too, not a silent fallback', async () => {
    const missing = join(project.dir, 'gone.yaml');
    await expect(loadConfig({ cwd, env: bareEnv(home, { HPC_RUN_CONFIG: missing }) })).rejects.toThrow(
      `${missing}: cannot read the config file named by $HPC_RUN_CONFIG: no such file`,
    );
  });

  test('--config naming a directory, or an unreadable file, is an error', async () => {
    await expect(loadConfig({ configPath: project.dir, cwd, env: bareEnv(home) })).rejects.toThrow(/it is a directory/);
    if (process.getuid?.() === 0) return; // root reads any file
    const { chmodSync } = await import('node:fs');
    chmodSync(join(project.dir, 'flag.yaml'), 0o000);
    await expect(loadConfig({ configPath: '../flag.yaml', cwd, env: bareEnv(home) })).rejects.toThrow(
      /flag\.yaml: cannot read the config file: permission denied/,
    );
  });
});
