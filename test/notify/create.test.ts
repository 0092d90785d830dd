import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startReceiver, type Receiver } from '../helpers/http-receiver.js';
import { makeTempDir } from '../helpers/run-bin.js';
import { ConfigError } from '../../lib/common/errors.js';
import type { ChannelConfig, Config } from '../../lib/config/types.js';
import { createChannelContext, createChannels } from '../../lib/notify/create.js';
import { recordingLogger } from './channel-context.js';
import { makeReport } from './reports.js';

const KEY = 'xxtui-key-31415926';
const tmp = makeTempDir();
let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver(() => ({ status: 200, body: { code: 0 } }));
});
afterAll(async () => {
  await receiver.close();
  tmp.cleanup();
});

// A loaded configuration with the given channels and secrets, defaults elsewhere.
function makeConfig(channels: ChannelConfig[], secrets: string[] = []): Config {
  return {
    file: null,
    channels,
    report: { include_last_n_lines: 50, language: 'en', max_line_length: 500 },
    train: {},
    watch: [],
    monitor: { interval_s: 60, stale_after_s: 600, claim_timeout_s: 900, retry_base_s: 30, retry_max_s: 3600 },
    digest: { min_batch: 5 },
    secrets,
    warnings: [],
  };
}

describe('createChannelContext', () => {
  test('redacts every configured secret, plain and URL-encoded', () => {
    const ctx = createChannelContext(makeConfig([], ['s3cret/key+1']), recordingLogger(), { HPC_RUN_STATE_DIR: tmp.dir });
    expect(ctx.redact('a s3cret/key+1 b s3cret%2Fkey%2B1 c')).toBe('a *** b *** c');
    expect(ctx.env.HPC_RUN_STATE_DIR).toBe(tmp.dir);
  });
});

describe('createChannels', () => {
  test('creates the configured channels in order, and they deliver', async () => {
    const config = makeConfig([
      { type: 'console', name: 'console' },
      { type: 'xxtui', name: 'phone', api_key: KEY, url: `${receiver.url}/xxtui/{api_key}` },
      { type: 'webhook', name: 'hook', url: `${receiver.url}/hook` },
    ], [KEY]);
    const logger = recordingLogger();
    const channels = await createChannels(config, createChannelContext(config, logger, { HPC_RUN_STATE_DIR: tmp.dir }));
    expect(channels.map((c) => [c.name, c.type])).toEqual([['console', 'console'], ['phone', 'xxtui'], ['hook', 'webhook']]);
    const report = makeReport();
    const deliveries = await Promise.all(channels.map((c) => c.send(c.format(report))));
    expect(deliveries.map((d) => d.ok)).toEqual([true, true, true]);
    expect(receiver.requests.map((r) => r.url)).toEqual([`/xxtui/${KEY}`, '/hook']);
    expect(logger.lines.out).toHaveLength(1);
  });

  test('an unknown type names the channel and lists the known ones', async () => {
    const config = makeConfig([{ type: 'pigeon', name: 'pigeon' }]);
    const error = await createChannels(config, createChannelContext(config, recordingLogger())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message)
      .toMatch(/^channels\.pigeon\.type: unknown channel type 'pigeon'; known: console, xxtui, webhook/);
    expect((error as ConfigError).exitCode).toBe(2);
  });

  test('a missing required key is a configuration error naming it', async () => {
    const config = makeConfig([{ type: 'telegram', name: 'tg', token: 'abcdef123' }]);
    await expect(createChannels(config, createChannelContext(config, recordingLogger()))).rejects.toMatchObject({
      code: 'E_CONFIG',
      key: 'channels.tg.chat_id',
    });
  });

  test("a module's own check (a bad template) comes through as a configuration error", async () => {
    const config = makeConfig([{ type: 'webhook', name: 'hook', url: receiver.url, body_template: '{"x": {{bogus}}}' }]);
    await expect(createChannels(config, createChannelContext(config, recordingLogger()))).rejects.toThrow(ConfigError);
  });
});
