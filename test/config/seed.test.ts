import { chmodSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkConfig, loadConfig } from '../../lib/config/load.js';
import { ROOT } from '../helpers/run-bin.js';
import { bareEnv, makeProject, makeSeedProject, SEED_FIXTURE, SEED_KEY, writeFiles } from './helpers.js';

describe('the seed configuration', () => {
  test('the fixture is the seed document text, unchanged', () => {
    const seed = readFileSync(join(SEED_FIXTURE, 'config', 'config.yaml'), 'utf8');
    expect(seed).toContain('type: "xxtui"');
    expect(seed).toContain('api_keys_file: "config/api_keys.yaml"');
    expect(seed).toContain('url: "https://xxtui.com/push"');
    expect(seed).toContain('title: "训练完成通知"');
  });

  test('found as ./config/config.yaml, it yields one xxtui channel with url, key, title and lead', async () => {
    const project = makeSeedProject();
    try {
      const config = await loadConfig({ cwd: project.dir, env: bareEnv(join(project.dir, 'home')) });
      expect(config.file).toBe(join(project.dir, 'config', 'config.yaml'));
      expect(config.channels).toEqual([
        {
          type: 'xxtui',
          name: 'xxtui',
          url: 'https://www.xxtui.com/xxtui/{api_key}',
          headers: { 'Content-Type': 'application/json' },
          title: '训练完成通知',
          lead: '训练任务已完成',
          timeout_s: 10,
          api_key: SEED_KEY,
        },
      ]);
      expect(config.report.include_last_n_lines).toBe(50);
      expect(config.secrets).toContain(SEED_KEY);
      expect(config.warnings).toEqual([]);
      const check = await checkConfig({ cwd: project.dir, env: bareEnv(join(project.dir, 'home')) });
      expect(check.errors).toEqual([]);
      expect(check.secretsFile).toBe(join(project.dir, 'config', 'api_keys.yaml'));
    } finally {
      project.cleanup();
    }
  });

  test('the secrets path resolves against the config dir first, then its parent', async () => {
    const project = makeSeedProject();
    try {
      writeFiles(project.dir, { 'config/config/api_keys.yaml': 'xxtui_api_key: "nearer-key-0001"\n' });
      const config = await loadConfig({ configPath: 'config/config.yaml', cwd: project.dir, env: bareEnv(project.dir) });
      expect(config.channels[0].api_key).toBe('nearer-key-0001');
    } finally {
      project.cleanup();
    }
  });

  test('a seed-style plain `api_key:` in the secrets file works for xxtui', async () => {
    const project = makeSeedProject();
    try {
      writeFiles(project.dir, { 'config/api_keys.yaml': 'api_key: "plain-key-0002"\n' });
      const config = await loadConfig({ cwd: project.dir, env: bareEnv(project.dir) });
      expect(config.channels[0].api_key).toBe('plain-key-0002');
    } finally {
      project.cleanup();
    }
  });

  test('an xxtui url of our own without {api_key} gets it appended; timeout becomes timeout_s', async () => {
    const project = makeProject({
      'config/config.yaml': 'notification:\n  type: xxtui\n  xxtui:\n    url: "http://127.0.0.1:8123/relay/"\n    timeout: 1m\n',
      'config/api_keys.yaml': 'xxtui_api_key: k-0003-abcd\n',
    });
    try {
      const config = await loadConfig({ cwd: project.dir, env: bareEnv(project.dir) });
      expect(config.channels[0]).toMatchObject({ url: 'http://127.0.0.1:8123/relay/{api_key}', timeout_s: 60, api_key: 'k-0003-abcd' });
      expect(config.channels[0]).not.toHaveProperty('timeout');
    } finally {
      project.cleanup();
    }
  });

  test('config/config.example.yaml loads with its api_keys example filled in', async () => {
    const project = makeProject({
      'config/config.yaml': readFileSync(join(ROOT, 'config', 'config.example.yaml'), 'utf8'),
      'config/api_keys.yaml': readFileSync(join(ROOT, 'config', 'api_keys.yaml.example'), 'utf8').replace(
        'xxtui_api_key: ""',
        'xxtui_api_key: "ex-key-0004"',
      ),
    });
    try {
      chmodSync(join(project.dir, 'config', 'api_keys.yaml'), 0o600);
      const config = await loadConfig({ cwd: project.dir, env: bareEnv(project.dir, { HOOK_TOKEN: 'hook-token-0005' }) });
      expect(config.channels.map((c) => `${c.type}:${c.name}`)).toEqual(['xxtui:xxtui', 'console:console', 'webhook:lab-hook']);
      expect(config.channels[2].headers).toEqual({ Authorization: 'Bearer hook-token-0005' });
      expect(config.secrets).toEqual(expect.arrayContaining(['ex-key-0004', 'Bearer hook-token-0005', 'hook-token-0005']));
      expect(config.monitor).toEqual({
        interval_s: 60,
        stale_after_s: 600,
        claim_timeout_s: 900,
        retry_base_s: 30,
        retry_max_s: 1800,
        corrupt_grace_s: 120,
        stall_after_s: 1800,
        gpu_idle: { threshold_pct: 5, after_s: 1200 },
      });
    } finally {
      project.cleanup();
    }
  });
});
