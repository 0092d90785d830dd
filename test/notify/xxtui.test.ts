import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { closedPort, startReceiver, type Receiver } from '../helpers/http-receiver.js';
import { createChannel, fillKey, settings } from '../../lib/notify/channels/xxtui.js';
import type { ChannelConfig } from '../../lib/config/types.js';
import { countChars } from '../../lib/report/limits.js';
import { channelConfig, checkedConfig, expectNoSecret, testContext } from './channel-context.js';
import { LAST_LINE, makeHugeReport, makeReport } from './reports.js';

const KEY = 'xk-1234abcd/5678+ef';
let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver.close();
});

// As the loader hands it over: the seed's `body` and `timeout` already in the channel's terms.
const config = (extra: Record<string, unknown> = {}): ChannelConfig =>
  checkedConfig(settings, channelConfig('xxtui', { api_key: KEY, url: `${receiver.url}/xxtui/{api_key}`, ...extra }));

// Formats and sends a report through a fresh channel, returning the delivery and what the receiver saw.
async function deliver(extra: Record<string, unknown> = {}, report = makeReport()) {
  const channel = createChannel(config(extra), testContext());
  const delivery = await channel.send(channel.format(report));
  return { delivery, request: receiver.requests.at(-1)! };
}

describe('xxtui channel', () => {
  test('POSTs {from, title, content} as JSON to /xxtui/<key>; code 0 is delivered', async () => {
    receiver.respond(() => ({ status: 200, body: { code: 0, msg: 'success' } }));
    const { delivery, request } = await deliver();
    expect(delivery).toEqual({ ok: true, detail: 'delivered', retryable: false });
    expect(request.method).toBe('POST');
    expect(request.url).toBe(`/xxtui/${encodeURIComponent(KEY)}`);
    expect(request.headers['content-type']).toMatch(/^application\/json/);
    const body = request.json as Record<string, string>;
    expect(Object.keys(body).sort()).toEqual(['content', 'from', 'title']);
    expect(body.from).toBe('hpc-run');
    expect(countChars(body.title)).toBeLessThanOrEqual(20);
    expect(body.title.startsWith('❌ failed')).toBe(true);
    expect(body.content).toContain('RuntimeError: CUDA out of memory <&>');
  });

  test('the seed settings: fixed title and lead for a success, extra headers, channel field, own from', async () => {
    receiver.respond(() => ({ status: 200, body: { code: 0 } }));
    const { request } = await deliver({
      body: { title: '训练完成通知', content: '训练任务已完成' },
      headers: { 'Content-Type': 'application/json', 'X-Lab': 'nlp' },
      channel: 'WX_MP',
      from: 'a-very-long-sender-name-beyond-twenty',
    }, makeReport({ status: 'success' }));
    const body = request.json as Record<string, string>;
    expect(body.title).toBe('训练完成通知');
    expect(body.content.split('\n')[0]).toBe('训练任务已完成');
    expect(body.channel).toBe('WX_MP');
    expect(countChars(body.from)).toBeLessThanOrEqual(20);
    expect(request.headers['x-lab']).toBe('nlp');
  });

  test('title and lead as normalised keys override the body ones', async () => {
    const { request } = await deliver(
      { title: 'Run over', lead: 'From the cluster', body: { title: 'x', content: 'y' } },
      makeReport({ status: 'success' }),
    );
    const body = request.json as Record<string, string>;
    expect(body.title).toBe('Run over');
    expect(body.content.startsWith('From the cluster\n')).toBe(true);
  });

  test('a crash under the seed\'s fixed title: status-aware title, the reason first, no "finished" lead', async () => {
    const seed = { body: { title: '训练完成通知', content: '训练任务已完成' } };
    for (const status of ['failed', 'terminated', 'timeout', 'lost'] as const) {
      const { request } = await deliver(seed, makeReport({ status }));
      const body = request.json as Record<string, string>;
      expect(body.title).toBe(`❌ ${status} · bert`);
      expect(body.content).not.toContain('训练任务已完成');
      expect(body.content.split('\n')[0]).toBe('RuntimeError: CUDA out of memory <&>');
    }
    // A test message is not a finished run either.
    const test = await deliver(seed, makeReport({ status: 'success', test: true, titleParts: ['🔔 test message', 'hpc-run'] }));
    expect((test.request.json as Record<string, string>).title).toBe('🔔 test message');
  });

  test('a URL without {api_key} gets the key appended, URL-encoded', () => {
    expect(fillKey('https://xxtui.com/push', 'a/b c')).toBe('https://xxtui.com/push/a%2Fb%20c');
    expect(fillKey('https://h/x/{api_key}?q=1', 'k')).toBe('https://h/x/k?q=1');
  });

  test('a huge log stays within 4000 characters of content and keeps its last line', async () => {
    receiver.respond(() => ({ status: 200, body: { code: 0 } }));
    const { request } = await deliver({ lead: 'lead line' }, makeHugeReport());
    const body = request.json as Record<string, string>;
    expect(countChars(body.content)).toBeLessThanOrEqual(4000);
    expect(countChars(body.title)).toBeLessThanOrEqual(20);
    expect(body.content.trimEnd().endsWith(LAST_LINE)).toBe(true);
  });

  test('{"code":1,"msg":"bad key"} is not delivered and says why', async () => {
    receiver.respond(() => ({ status: 200, body: { code: 1, msg: 'bad key' } }));
    const { delivery } = await deliver();
    expect(delivery.ok).toBe(false);
    expect(delivery.detail).toBe('service said code 1: bad key');
  });

  test('HTTP 500 is retryable, 401 is not', async () => {
    receiver.respond(() => ({ status: 500, body: 'Internal error' }));
    const first = await deliver();
    expect(first.delivery).toEqual({ ok: false, detail: 'HTTP 500: Internal error', retryable: true });
    receiver.respond(() => ({ status: 401, body: { code: 401, msg: `unknown key ${KEY}` } }));
    const second = await deliver();
    expect(second.delivery.ok).toBe(false);
    expect(second.delivery.retryable).toBe(false);
    expectNoSecret([first.delivery, second.delivery], [KEY]);
  });

  test('a hanging service times out after timeout_s (the seed\'s timeout too)', async () => {
    receiver.respond(() => ({ hang: true }));
    const { delivery } = await deliver({ timeout_s: '0.5s' });
    expect(delivery).toEqual({ ok: false, detail: `timed out after 0.5 s (127.0.0.1:${receiver.port})`, retryable: true });
    const seed = await deliver({ timeout: 0.4 });
    expect(seed.delivery.detail).toMatch(/^timed out after 0.4 s/);
  });

  test('connection refused is retryable and never shows the key', async () => {
    const port = await closedPort();
    const channel = createChannel(channelConfig('xxtui', { api_key: KEY, url: `http://127.0.0.1:${port}/xxtui/{api_key}` }), testContext());
    const delivery = await channel.send(channel.format(makeReport()));
    expect(delivery).toEqual({ ok: false, detail: `connection refused by 127.0.0.1:${port}`, retryable: true });
    expectNoSecret([delivery], [KEY]);
  });

  test('a non-JSON 200 answer is not a delivery', async () => {
    receiver.respond(() => ({ status: 200, body: '<html>maintenance</html>' }));
    const { delivery } = await deliver();
    expect(delivery).toMatchObject({ ok: false, detail: 'service said no JSON answer' });
  });
});
