import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startReceiver, type Receiver } from '../helpers/http-receiver.js';
import { createChannel, DISCORD_LIMITS, type DiscordMessage } from '../../lib/notify/channels/discord.js';
import { countChars } from '../../lib/report/limits.js';
import { channelConfig, expectNoSecret, testContext } from './channel-context.js';
import { LAST_LINE, makeHugeReport, makeReport } from './reports.js';

const HOOK_PATH = '/api/webhooks/123456789/tokenTOKENtoken';
let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver(() => ({ status: 204 }));
});
afterAll(async () => {
  await receiver.close();
});

async function deliver(report = makeReport(), extra: Record<string, unknown> = {}) {
  const channel = createChannel(channelConfig('discord', { url: `${receiver.url}${HOOK_PATH}`, ...extra }), testContext());
  const delivery = await channel.send(channel.format(report));
  return { delivery, request: receiver.requests.at(-1)! };
}

describe('discord channel', () => {
  test('POSTs {content, embeds:[{title, description, color}]}; 204 is delivered; no mentions', async () => {
    receiver.respond(() => ({ status: 204 }));
    const { delivery, request } = await deliver(makeReport(), { username: 'hpc-run' });
    expect(delivery).toEqual({ ok: true, detail: 'delivered', retryable: false });
    expect(request.method).toBe('POST');
    expect(request.url).toBe(HOOK_PATH);
    const body = request.json as DiscordMessage;
    expect(body.content).toBe('❌ failed · bert · 123450_7');
    expect(body.embeds).toHaveLength(1);
    expect(body.embeds[0]).toMatchObject({ title: '❌ failed · bert · 123450_7', color: 0xe01e5a });
    expect(body.embeds[0].description).toContain('CUDA out of memory');
    expect(body.allowed_mentions).toEqual({ parse: [] });
    expect(body.username).toBe('hpc-run');
  });

  test('a huge log: content ≤ 2000, title ≤ 256, description ≤ 4096, embeds ≤ 6000, last line kept', async () => {
    const long = makeHugeReport();
    long.title = `❌ ${'很长的标题'.repeat(100)}`;
    const { request } = await deliver(long);
    const body = request.json as DiscordMessage;
    const embed = body.embeds[0];
    expect(countChars(body.content)).toBeLessThanOrEqual(DISCORD_LIMITS.content);
    expect(countChars(embed.title)).toBeLessThanOrEqual(256);
    expect(countChars(embed.description)).toBeLessThanOrEqual(4096);
    expect(countChars(embed.title) + countChars(embed.description)).toBeLessThanOrEqual(6000);
    expect(embed.description.replace(/`+\s*$/, '').trimEnd().endsWith(LAST_LINE)).toBe(true);
  });

  test('400 not retryable, 429 and 503 retryable, hook token never in the words', async () => {
    receiver.respond(() => ({ status: 400, body: { message: 'Invalid Form Body', code: 50035 } }));
    const a = (await deliver()).delivery;
    receiver.respond(() => ({ status: 429, body: { message: 'You are being rate limited.', retry_after: 1 } }));
    const b = (await deliver()).delivery;
    receiver.respond(() => ({ status: 503, body: 'upstream' }));
    const c = (await deliver()).delivery;
    expect([a, b, c].map((d) => [d.ok, d.retryable])).toEqual([[false, false], [false, true], [false, true]]);
    expect(a.detail).toMatch(/^HTTP 400: .*Invalid Form Body/);
    expectNoSecret([a, b, c], ['tokenTOKENtoken']);
  });
});
