import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { checkConfig, loadConfig } from '../../lib/config/load.js';
import type { ChannelConfig } from '../../lib/config/types.js';
import { runDoctor } from '../../lib/doctor/index.js';
import { createChannelContext, createChannels } from '../../lib/notify/create.js';
import { deliverSafely, judgeAnswer, postRequest } from '../../lib/notify/http.js';
import { readBaseUrl, readTimeoutMs, requireString } from '../../lib/notify/options.js';
import { channelTypes, registerChannel } from '../../lib/notify/registry.js';
import type { ChannelContext, ChannelModule, ChannelSettings } from '../../lib/notify/types.js';
import { makeProject } from '../config/helpers.js';
import { startReceiver, type Receiver } from '../helpers/http-receiver.js';
import { recordingLogger } from './channel-context.js';
import { makeReport } from './reports.js';

// A throwaway channel: one module, known to the code base only through registerChannel.
const settings: ChannelSettings = {
  required: ['token'],
  secretKeys: ['token'],
  keys: ['url', 'token', 'shout'],
  url: { key: 'url', fallback: 'https://pigeon.invalid/post' },
  normalize: (values, path, issues) => {
    if (values.shout !== undefined && typeof values.shout !== 'boolean') issues.error(`${path}.shout`, 'expected true or false');
  },
};
const pigeon: ChannelModule = {
  settings,
  createChannel: (config: ChannelConfig, ctx: ChannelContext) => {
    const token = requireString(config, 'token');
    const url = readBaseUrl(config, settings);
    const timeoutMs = readTimeoutMs(config);
    return {
      name: config.name,
      type: config.type,
      format: (report) => ({ text: config.shout ? report.title.toUpperCase() : report.title }),
      send: (message) =>
        deliverSafely(async () => {
          const answer = await postRequest({ url, json: message, headers: { 'x-token': token }, timeoutMs, redact: ctx.redact });
          return judgeAnswer(answer, () => ({ ok: true }));
        }, ctx.redact),
    };
  },
};

let receiver: Receiver;
let unregister: (() => void) | undefined;
let project: { dir: string; cleanup: () => void } | undefined;
beforeAll(async () => {
  receiver = await startReceiver(() => ({ status: 200, body: { ok: true } }));
});
afterAll(async () => {
  await receiver.close();
});
afterEach(() => {
  unregister?.();
  unregister = undefined;
  project?.cleanup();
  project = undefined;
});

// A config file with the given `notification:` text, in a fresh project with its own state dir.
function writeConfig(notification: string): { file: string; env: NodeJS.ProcessEnv } {
  project = makeProject({ 'config.yaml': `notification:\n${notification}`, 'api_keys.yaml': 'pigeon_token: "tok-from-secrets-77"\n' });
  return { file: `${project.dir}/config.yaml`, env: { HOME: project.dir, HPC_RUN_STATE_DIR: `${project.dir}/state`, PATH: '' } };
}

describe('a channel added through the registry alone', () => {
  test('is validated by config loading, listed by doctor and delivers to a receiver', async () => {
    unregister = registerChannel('pigeon', async () => pigeon);
    expect(channelTypes()).toContain('pigeon');
    const { file, env } = writeConfig(`  channels:\n    - type: pigeon\n      url: "${receiver.url}/coo/"\n      shout: true\n`);

    const config = await loadConfig({ configPath: file, env });
    expect(config.channels).toEqual([
      { type: 'pigeon', name: 'pigeon', url: `${receiver.url}/coo/`, shout: true, token: 'tok-from-secrets-77', timeout_s: 10 },
    ]);
    expect(config.secrets).toContain('tok-from-secrets-77');

    const logger = recordingLogger();
    const status = await runDoctor({ configPath: file, env, logger });
    expect(logger.lines.out).toContain(`✓ config: ${file} loads; channels: pigeon (pigeon)`);
    expect(logger.lines.out).toContain(`✓ channel pigeon (pigeon): TCP connect 127.0.0.1:${receiver.port}`);
    expect(status).toBe(0);

    const [channel] = await createChannels(config, createChannelContext(config, logger, env));
    const delivery = await channel.send(channel.format(makeReport({ title: 'run over' })));
    expect(delivery).toEqual({ ok: true, detail: 'delivered', retryable: false });
    const request = receiver.requests.at(-1)!;
    expect([request.url, request.headers['x-token'], request.json]).toEqual(['/coo', 'tok-from-secrets-77', { text: 'RUN OVER' }]);
  });

  test("its module's checks, the common ones and its required keys are config errors with codes and keys", async () => {
    unregister = registerChannel('pigeon', async () => pigeon);
    const { file, env } = writeConfig('  type: pigeon\n  pigeon: {url: "ftp://x", shout: loud, timeout: soon, token: ""}\n');
    await unlinkSecrets();
    const checked = await checkConfig({ configPath: file, env });
    expect(checked.errors.map((e) => [e.code, e.key])).toEqual([
      ['E_CONFIG', 'notification.pigeon.timeout'],
      ['E_CONFIG', 'notification.pigeon.shout'],
      ['E_CONFIG', 'notification.pigeon.url'],
      ['E_CONFIG', 'notification.pigeon.token'],
    ]);
  });

  test('once removed, the type is unknown again', async () => {
    registerChannel('pigeon', async () => pigeon)();
    const { file, env } = writeConfig('  channels:\n    - {type: pigeon, token: x}\n');
    const checked = await checkConfig({ configPath: file, env });
    expect(checked.errors.map((e) => [e.code, e.key])).toEqual([['E_CONFIG', 'notification.channels[0].type']]);
  });
});

// The secrets file would supply the token; without it the required key is missing.
async function unlinkSecrets(): Promise<void> {
  const { unlink } = await import('node:fs/promises');
  await unlink(`${project!.dir}/api_keys.yaml`);
}
