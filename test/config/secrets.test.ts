import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { checkConfig, createRedactor, loadConfig } from '../../lib/config/load.js';
import { bareEnv, makeProject, makeSeedProject } from './helpers.js';

let project: { dir: string; cleanup: () => void };
afterEach(() => project?.cleanup());

describe('the secrets file', () => {
  test('readable by group or others (644) gives a warning with the chmod 600 fix; 600 gives none', async () => {
    project = makeSeedProject();
    const secrets = join(project.dir, 'config', 'api_keys.yaml');
    const options = { cwd: project.dir, env: bareEnv(project.dir) };
    chmodSync(secrets, 0o644);
    const shared = await loadConfig(options);
    expect(shared.warnings).toEqual([`${secrets} is readable by group or others (mode 0644); protect it: chmod 600 ${secrets}`]);
    chmodSync(secrets, 0o640);
    expect((await loadConfig(options)).warnings).toHaveLength(1);
    chmodSync(secrets, 0o600);
    expect((await loadConfig(options)).warnings).toEqual([]);
  });

  test('secrets written into a config file others can read get their own warning', async () => {
    project = makeProject({ 'config/config.yaml': 'notification:\n  type: xxtui\n  xxtui:\n    api_key: "inline-key-9876"\n' });
    const file = join(project.dir, 'config', 'config.yaml');
    chmodSync(file, 0o644);
    const config = await loadConfig({ cwd: project.dir, env: bareEnv(project.dir) });
    expect(config.channels[0].api_key).toBe('inline-key-9876');
    expect(config.warnings).toEqual([
      `${file} holds secrets (notification.xxtui.api_key) and is readable by group or others (mode 0644); ` +
        `protect it: chmod 600 ${file}, or move them to the secrets file`,
    ]);
    expect(config.warnings.join('\n')).not.toContain('inline-key-9876');
  });

  test('every secrets-file value and every secret field is in config.secrets; plain header values are not', async () => {
    project = makeProject({
      'config/config.yaml': [
        'notification:',
        '  channels:',
        '    - type: webhook',
        '      url: "http://127.0.0.1:9/hook"',
        '      headers: {Content-Type: application/json, X-Api-Key: "${API_KEY_VAR}"}',
        '    - {type: slack, url: "https://hooks.example.org/services/T0/B0/XYZ123"}',
      ].join('\n'),
      'config/api_keys.yaml': 'unused_thing: "spare-secret-1"\nwebhook_token: "tok-webhook-22"\n',
    });
    chmodSync(join(project.dir, 'config', 'config.yaml'), 0o644);
    const config = await loadConfig({ cwd: project.dir, env: bareEnv(project.dir, { API_KEY_VAR: 'env-key-333' }) });
    expect(config.channels[0].token).toBe('tok-webhook-22');
    expect(config.secrets).toEqual(
      expect.arrayContaining(['spare-secret-1', 'tok-webhook-22', 'env-key-333', 'https://hooks.example.org/services/T0/B0/XYZ123']),
    );
    expect(config.secrets).not.toContain('application/json');
    expect(config.warnings).toHaveLength(1);
    expect(config.warnings[0]).toContain('holds secrets (notification.channels[1].url) and is readable by group or others');
    expect(config.secrets).not.toContain('http://127.0.0.1:9/hook');
  });

  test('no ConfigError message or warning ever contains a secret value', async () => {
    const secret = 'Sup3r-Secret-Value/+=';
    project = makeProject({
      'config/config.yaml': [
        'notification:',
        '  api_keys_file: keys.yaml',
        '  channels:',
        `    - {type: slack, url: "not-a-url-${secret}"}`,
        '    - {type: dingtalk, name: ops}',
        `    - {type: webhook, url: "http://127.0.0.1:9/x", headers: {Authorization: "Bearer \${TOKEN_VAR}"}}`,
        '    - {type: telegram, chat_id: 1, timeout: "${TOKEN_VAR}"}',
        `report: {language: "${secret}"}`,
      ].join('\n'),
      'config/keys.yaml': `dingtalk_secret: "${secret}"\n`,
    });
    chmodSync(join(project.dir, 'config', 'keys.yaml'), 0o644);
    const result = await checkConfig({ cwd: project.dir, env: bareEnv(project.dir, { TOKEN_VAR: 'env-token-4444' }) });
    expect(result.errors.length).toBeGreaterThanOrEqual(4);
    const text = [...result.errors.flatMap((e) => [e.message, e.hint ?? '']), ...result.warnings].join('\n');
    for (const value of [secret, encodeURIComponent(secret), 'env-token-4444']) expect(text).not.toContain(value);
    expect(text).toContain("report.language: expected en or zh, got '***'");
    const thrown = await loadConfig({ cwd: project.dir, env: bareEnv(project.dir, { TOKEN_VAR: 'env-token-4444' }) }).catch(
      (e: Error) => e.message,
    );
    expect(thrown).not.toContain(secret);
  });

  test('a malformed secrets file never quotes its own lines', async () => {
    project = makeProject({
      'config/config.yaml': 'notification: {type: console}\n',
      'config/api_keys.yaml': 'xxtui_api_key: "abc-9999\n  oops: [\n',
    });
    const result = await checkConfig({ cwd: project.dir, env: bareEnv(project.dir) });
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0].message).toMatch(/api_keys\.yaml:\d+:\d+: invalid YAML: /);
    expect(result.errors[0].message).not.toContain('abc-9999');
  });
});

describe('createRedactor', () => {
  test('replaces every secret, longest first, also URL-encoded', () => {
    const redact = createRedactor(['abcd1234', 'abcd1234-longer', 'k/+ =?&key']);
    expect(redact('x abcd1234-longer y abcd1234 z')).toBe('x *** y *** z');
    expect(redact(`GET https://h/xxtui/${encodeURIComponent('k/+ =?&key')} and k/+ =?&key`)).toBe('GET https://h/xxtui/*** and ***');
    expect(redact('k/+%20=?&key')).toBe('***');
  });

  test('regular-expression characters in secrets are literal; short or empty secrets are left alone', () => {
    const redact = createRedactor(['a.b*c(d)', 'ab', '']);
    expect(redact('a.b*c(d) aXbbc ab')).toBe('*** aXbbc ab');
    expect(createRedactor([])('nothing to hide')).toBe('nothing to hide');
  });
});
