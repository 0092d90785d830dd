import { join } from 'node:path';
import { ConfigError } from '../../lib/common/errors.js';
import { channelTypes } from '../../lib/notify/registry.js';
import { checkConfig, loadConfig } from '../../lib/config/load.js';
import { ConfigSyntaxError } from '../../lib/config/issues.js';
import { bareEnv, makeProject } from './helpers.js';

let project: { dir: string; cleanup: () => void };
afterEach(() => project?.cleanup());

// Loads `config/config.yaml` (and optional other files) of a fresh project directory, named by --config.
async function load(yamlText: string, env: NodeJS.ProcessEnv = {}, files: Record<string, string> = {}) {
  project = makeProject({ 'config/config.yaml': yamlText, ...files });
  return loadConfig({ configPath: 'config/config.yaml', cwd: project.dir, env: bareEnv(join(project.dir, 'home'), env) });
}
async function check(yamlText: string, env: NodeJS.ProcessEnv = {}, files: Record<string, string> = {}) {
  project = makeProject({ 'config/config.yaml': yamlText, ...files });
  return checkConfig({ configPath: 'config/config.yaml', cwd: project.dir, env: bareEnv(join(project.dir, 'home'), env) });
}
const file = () => join(project.dir, 'config', 'config.yaml');

describe('${VAR} expansion', () => {
  const hook = (header: string) =>
    `notification:\n  channels:\n    - type: webhook\n      url: "\${HOOK_URL:-http://127.0.0.1:9/hook}"\n      headers:\n        Authorization: "${header}"\n`;

  test('reads the environment, with defaults; expansions in secret fields become secrets', async () => {
    const config = await load(hook('Bearer ${HOOK_TOKEN}'), { HOOK_TOKEN: 'tok-123456' });
    expect(config.channels[0]).toMatchObject({ type: 'webhook', name: 'webhook', url: 'http://127.0.0.1:9/hook', headers: { Authorization: 'Bearer tok-123456' } });
    expect(config.secrets).toEqual(expect.arrayContaining(['tok-123456', 'Bearer tok-123456']));
    expect(config.secrets).not.toContain('http://127.0.0.1:9/hook');
  });

  test('`$${` is a literal `${`; an empty variable with a default takes the default', async () => {
    const config = await load('train:\n  log: {dir: "$${HOME} ${EMPTY:-fallback}"}\n', { EMPTY: '' });
    expect(config.train.log_dir).toBe('${HOME} fallback');
  });

  test('train.command is left to the shell that runs it (no error for a job-only variable)', async () => {
    const config = await load('train:\n  command: "python train.py --out runs/${SLURM_JOB_ID}"\n');
    expect(config.train.command).toBe('python train.py --out runs/${SLURM_JOB_ID}');
  });

  test('an unset variable is an error naming the file, the key path and the variable', async () => {
    const error = (await load(hook('Bearer ${HOOK_TOKEN}')).catch((e: unknown) => e)) as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.key).toBe('notification.channels[0].headers.Authorization');
    expect(error.message).toBe(
      `${file()}: notification.channels[0].headers.Authorization: environment variable HOOK_TOKEN is not set (used as \${HOOK_TOKEN})`,
    );
    expect(error.hint).toMatch(/export HOOK_TOKEN=/);
    expect(error.exitCode).toBe(2);
  });
});

describe('channels', () => {
  test('the list adds any number of channels, with unique default names', async () => {
    const config = await load(
      'notification:\n  type: console\n  channels:\n    - {type: console}\n    - {type: webhook, url: "http://127.0.0.1:1/a"}\n    - {type: webhook, url: "http://127.0.0.1:1/b", name: webhook-2}\n    - {type: webhook, url: "http://127.0.0.1:1/c"}\n',
    );
    expect(config.channels.map((c) => c.name)).toEqual(['console', 'console-2', 'webhook', 'webhook-2', 'webhook-3']);
  });

  test('a duplicate explicit name is an error', async () => {
    await expect(load('notification:\n  channels:\n    - {type: console, name: me}\n    - {type: console, name: me}\n')).rejects.toThrow(
      /notification\.channels\[1\]\.name: the name 'me' is already used by notification\.channels\[0\]/,
    );
  });

  test('notification.type may name any registered type, settings from notification.<type>', async () => {
    const config = await load(
      'notification:\n  type: telegram\n  telegram:\n    chat_id: 42\n',
      {},
      { 'config/api_keys.yaml': 'telegram_token: "123:abcdef"\n' },
    );
    expect(config.channels).toEqual([{ type: 'telegram', name: 'telegram', chat_id: 42, token: '123:abcdef', timeout_s: 10 }]);
  });

  test('an unknown type is an error listing the known ones', async () => {
    const error = (await load('notification:\n  type: wechat\n').catch((e: unknown) => e)) as ConfigError;
    expect(error.key).toBe('notification.type');
    expect(error.message).toContain("unknown channel type 'wechat'; known types: ");
    for (const type of channelTypes()) expect(error.message).toContain(type);
    await expect(load('notification:\n  channels:\n    - {url: "http://x"}\n')).rejects.toThrow(/notification\.channels\[0\]\.type: expected a channel type/);
  });

  test('a missing required key names the key, the secrets-file key and the file', async () => {
    const error = (await load('notification:\n  type: xxtui\n  api_keys_file: "config/api_keys.yaml"\n').catch(
      (e: unknown) => e,
    )) as ConfigError;
    expect(error.key).toBe('notification.xxtui.api_key');
    expect(error.message).toContain("the xxtui channel 'xxtui' needs 'api_key'");
    expect(error.message).toContain("'xxtui_api_key'");
    expect(error.message).toContain(join(project.dir, 'config', 'config', 'api_keys.yaml'));
    expect(error.message).toContain(join(project.dir, 'config', 'api_keys.yaml'));
    expect(error.message).toContain('was not found');
    const found = (await load(
      'notification:\n  channels:\n    - {type: dingtalk, name: ops}\n',
      {},
      { 'config/api_keys.yaml': 'dingtalk_secret: "SEC-000111"\n' },
    ).catch((e: unknown) => e)) as ConfigError;
    expect(found.message).toBe(
      `${file()}: notification.channels[0].access_token: the dingtalk channel 'ops' needs 'access_token': set it here, ` +
        `or put 'dingtalk_access_token' or 'ops_access_token' in ${join(project.dir, 'config', 'api_keys.yaml')}`,
    );
  });

  test('a missing secrets file is fine while no channel needs it', async () => {
    const config = await load('notification:\n  type: console\n  api_keys_file: "config/api_keys.yaml"\n');
    expect(config.channels).toEqual([{ type: 'console', name: 'console' }]);
  });

  test('per-name secrets come before per-type ones', async () => {
    const config = await load(
      'notification:\n  channels:\n    - {type: dingtalk}\n    - {type: dingtalk, name: ops}\n',
      {},
      { 'config/api_keys.yaml': 'dingtalk_access_token: "tok-team-000"\nops_access_token: "tok-ops-000"\n' },
    );
    expect(config.channels.map((c) => c.access_token)).toEqual(['tok-team-000', 'tok-ops-000']);
  });

  test('wrong shapes: url, headers, timeout', async () => {
    const check1 = await check('notification:\n  channels:\n    - {type: webhook, url: "ftp://x", headers: [a], timeout: soon}\n');
    expect(check1.errors.map((e) => e.key)).toEqual([
      'notification.channels[0].timeout',
      'notification.channels[0].headers',
      'notification.channels[0].url',
    ]);
  });
});

describe('malformed YAML', () => {
  test('reports the file and line in one line, without quoting the source', async () => {
    const error = (await load('notification:\n  type: xxtui\n   api_keys_file: "secret-in-line-zzz"\n').catch(
      (e: unknown) => e,
    )) as ConfigSyntaxError;
    expect(error).toBeInstanceOf(ConfigSyntaxError);
    expect(error.code).toBe('E_CONFIG');
    expect(error.file).toBe(file());
    expect(error.line).toBe(3);
    expect(error.message).toMatch(new RegExp(`^${file().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:\\d+: invalid YAML: `));
    expect(error.message).not.toContain('\n');
    expect(error.message).not.toContain('secret-in-line-zzz');
  });

  test('a duplicated key is reported with its line', async () => {
    await expect(load('report:\n  language: en\n  language: zh\n')).rejects.toThrow(
      /config\.yaml:3:\d+: invalid YAML: duplicated mapping key/,
    );
  });

  test('a malformed secrets file is reported with its own file and line', async () => {
    const error = (await load('notification:\n  type: console\n', {}, { 'config/api_keys.yaml': 'a: "b\nc: [\n' }).catch(
      (e: unknown) => e,
    )) as ConfigSyntaxError;
    expect(error.file).toBe(join(project.dir, 'config', 'api_keys.yaml'));
    expect(error.line).toBeGreaterThan(0);
  });

  test('a top level that is not a mapping is an error', async () => {
    await expect(load('- a\n- b\n')).rejects.toThrow(/expected settings at the top level/);
  });
});

describe('other sections', () => {
  test('report, monitor durations, digest, train and watch', async () => {
    project = makeProject({
      'config/config.yaml': [
        'report: {include_last_n_lines: 20, language: zh-CN, max_line_length: 200}',
        'monitor: {interval: 90s, stale_after: 5m, claim_timeout: 1h, retry_base: 10, retry_max: 2m, watch: [../extra]}',
        'digest: {min_batch: 3}',
        'train: {work_dir: ./project, command: "python train.py --steps 10", log: {dir: logs}}',
        'watch: ["~/runs/a", /abs/b, ./project]',
      ].join('\n'),
    });
    const home = join(project.dir, 'home');
    const cwd = project.dir;
    const config = await loadConfig({ configPath: 'config/config.yaml', cwd, env: bareEnv(home) });
    expect(config.report).toEqual({ include_last_n_lines: 20, language: 'zh', max_line_length: 200 });
    expect(config.monitor).toEqual({
      interval_s: 90,
      stale_after_s: 300,
      claim_timeout_s: 3600,
      retry_base_s: 10,
      retry_max_s: 120,
      corrupt_grace_s: 120,
      stall_after_s: 1800,
      gpu_idle: { threshold_pct: 5, after_s: 1200 },
    });
    expect(config.digest).toEqual({ min_batch: 3 });
    expect(config.train).toEqual({ work_dir: join(cwd, 'project'), command: 'python train.py --steps 10', log_dir: 'logs' });
    expect(config.watch).toEqual([join(home, 'runs', 'a'), '/abs/b', join(cwd, 'project'), join(cwd, '..', 'extra')]);
  });

  test('bad values name the key and what was expected', async () => {
    const result = await check(
      'report: {include_last_n_lines: 0, language: fr, max_line_length: 2.5}\n' +
        'monitor: {interval: 0, stale_after: 10d}\ndigest: {min_batch: many}\n',
    );
    const messages = result.errors.map((e) => e.message.replace(`${file()}: `, ''));
    expect(messages).toEqual([
      "report.include_last_n_lines: expected a positive whole number, got 0",
      'report.max_line_length: expected a positive whole number, got 2.5',
      "report.language: expected en or zh, got 'fr'",
      'monitor.interval: expected a positive duration in seconds, or with s, m or h (e.g. 90, 10m), got 0',
      "monitor.stale_after: expected a positive duration in seconds, or with s, m or h (e.g. 90, 10m), got '10d'",
      "digest.min_batch: expected a positive whole number, got 'many'",
    ]);
  });

  test('unknown keys are warnings, not errors', async () => {
    const config = await load('notifcation: {type: xxtui}\nreport: {lines: 5}\n');
    expect(config.warnings).toEqual([
      `${file()}: notifcation is not a known setting and is ignored: did you mean 'notification'? ` +
        '(known: notification, report, train, watch, monitor, digest, retention)',
      `${file()}: report.lines is not a known setting and is ignored (known: include_last_n_lines, language, max_line_length)`,
    ]);
  });
});

describe('checkConfig', () => {
  test('collects every error at once, each with file and key; loadConfig throws the first and counts the rest', async () => {
    const text = [
      'notification:',
      '  type: nope',
      '  channels:',
      '    - {type: xxtui}',
      '    - {type: webhook, headers: {X-Token: "${MISSING_TOKEN}"}}',
      'report: {language: klingon}',
      'monitor: {retry_base: 10m, retry_max: 1m}',
    ].join('\n');
    const result = await check(text);
    expect(result.file).toBe(file());
    expect(result.config).not.toBeNull();
    expect(result.errors.map((e) => e.key)).toEqual([
      'notification.channels[1].headers.X-Token',
      'notification.type',
      'notification.channels[0].api_key',
      'notification.channels[1].url',
      'report.language',
      'monitor.retry_max',
    ]);
    for (const error of result.errors) {
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.file).toBe(file());
      expect(error.message.startsWith(`${file()}: ${error.key}: `)).toBe(true);
    }
    const thrown = (await loadConfig({ cwd: project.dir, env: bareEnv(project.dir) }).catch((e: unknown) => e)) as ConfigError;
    expect(thrown.message).toBe(`${result.errors[0].message} (and 5 more problems: 'train-monitor doctor' lists them all)`);
  });
});
