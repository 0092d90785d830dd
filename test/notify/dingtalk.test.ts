import { createChannel, DINGTALK_MAX_TEXT_BYTES } from '../../lib/notify/channels/dingtalk.js';
import { robotKey, robotLimiter } from '../../lib/notify/rate-limit.js';
import { closedPort, startReceiver, type Receiver } from '../helpers/http-receiver.js';
import { channelConfig, deliver, makeContext, opensslHmacBase64 } from './channel-context.js';
import { HUGE_REPORTS, makeLogReport } from './reports.js';

const TOKEN = 'dt-token-5f1c9a7e';
const SECRET = 'SECd41d8cd98f00b204e9800998ecf8427e';

describe('dingtalk channel', () => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver(() => ({ status: 200, body: { errcode: 0, errmsg: 'ok' } }));
  });
  afterAll(() => receiver.close());
  // A robot per test, so the shared 20-a-minute limiter never makes this file wait.
  let token = TOKEN;
  let robots = 0;
  beforeEach(() => {
    robots += 1;
    token = `${TOKEN}${robots}`;
    receiver.requests.length = 0;
    receiver.respond(() => ({ status: 200, body: { errcode: 0, errmsg: 'ok' } }));
  });

  const make = (values: Record<string, unknown> = {}) =>
    createChannel(
      channelConfig('dingtalk', { access_token: token, url: `${receiver.url}/robot/send`, ...values }),
      makeContext([token, SECRET]),
    );

  test('posts markdown to /robot/send?access_token=… and is delivered on errcode 0', async () => {
    const delivery = await deliver(make(), makeLogReport());
    expect(delivery).toEqual({ ok: true, detail: 'delivered', retryable: false });
    expect(receiver.requests).toHaveLength(1);
    const [request] = receiver.requests;
    const url = new URL(request.url, receiver.url);
    expect(request.method).toBe('POST');
    expect(url.pathname).toBe('/robot/send');
    expect(url.searchParams.get('access_token')).toBe(token);
    expect(url.searchParams.has('sign')).toBe(false);
    expect(request.headers['content-type']).toMatch(/^application\/json/);
    const json = request.json as { msgtype: string; markdown: { title: string; text: string }; at?: unknown };
    expect(json.msgtype).toBe('markdown');
    expect(json.markdown.title).toContain('success');
    expect(json.markdown.text).toContain(json.markdown.title);
    expect(json.markdown.text).toContain('LAST LINE 4');
    expect(json.at).toBeUndefined();
  });

  test('signing: timestamp and sign match an independent openssl HMAC-SHA256', async () => {
    const before = Date.now();
    await deliver(make({ secret: SECRET }), makeLogReport());
    const url = new URL(receiver.requests[0].url, receiver.url);
    const timestamp = url.searchParams.get('timestamp') ?? '';
    expect(Number(timestamp)).toBeGreaterThanOrEqual(before);
    expect(Number(timestamp)).toBeLessThanOrEqual(Date.now());
    // DingTalk: key = secret, data = `timestamp + "\n" + secret`, base64, URL-encoded in the query.
    const expected = opensslHmacBase64(SECRET, `${timestamp}\n${SECRET}`);
    expect(url.searchParams.get('sign')).toBe(expected);
    const rawSign = /[?&]sign=([^&]*)/.exec(receiver.requests[0].url)?.[1] ?? '';
    expect(rawSign).toBe(encodeURIComponent(expected));
    expect(rawSign).not.toMatch(/[+/=]/);
  });

  test('sends are counted by the shared per-robot limiter (20 a minute)', async () => {
    const before = robotLimiter.history(robotKey('dingtalk', token)).length;
    await deliver(make(), makeLogReport());
    await deliver(make(), makeLogReport());
    expect(robotLimiter.history(robotKey('dingtalk', token)).length).toBe(before + 2);
  });

  test('critical reports @all; others do not; at_all: false turns it off', async () => {
    await deliver(make(), makeLogReport({ status: 'lost' }));
    expect((receiver.requests[0].json as { at: unknown }).at).toEqual({ isAtAll: true });
    await deliver(make(), makeLogReport({ status: 'failed' }));
    expect((receiver.requests[1].json as { at?: unknown }).at).toBeUndefined();
    await deliver(make({ at_all: false }), makeLogReport({ status: 'lost' }));
    expect((receiver.requests[2].json as { at?: unknown }).at).toBeUndefined();
  });

  test.each(HUGE_REPORTS)('a huge report stays under 20,000 bytes and keeps the end of the log (%s)', async (_label, build, last) => {
    await deliver(make(), build());
    const json = receiver.requests[0].json as { markdown: { text: string } };
    expect(Buffer.byteLength(json.markdown.text)).toBeLessThan(DINGTALK_MAX_TEXT_BYTES);
    expect(json.markdown.text).toContain(last);
  });

  test('keyword robots: the keyword is in the text', async () => {
    await deliver(make({ keyword: '训练通知' }), makeLogReport());
    expect((receiver.requests[0].json as { markdown: { text: string } }).markdown.text).toContain('训练通知');
  });

  test('"sign not match" is a rejected signature, not retryable, without secrets', async () => {
    receiver.respond(() => ({ status: 200, body: { errcode: 310000, errmsg: 'sign not match, more: [https://ding-doc.dingtalk.com]' } }));
    const delivery = await deliver(make({ secret: SECRET }), makeLogReport());
    expect(delivery.ok).toBe(false);
    expect(delivery.retryable).toBe(false);
    expect(delivery.detail).toMatch(/signature rejected/);
    expect(delivery.detail).toMatch(/310000/);
    expect(delivery.detail).not.toContain(SECRET);
  });

  test('an unknown token is a bad key; an answer echoing the token is redacted', async () => {
    receiver.respond(() => ({ status: 200, body: { errcode: 300001, errmsg: `token is not exist: ${token}` } }));
    const delivery = await deliver(make(), makeLogReport());
    expect(delivery).toMatchObject({ ok: false, retryable: false });
    expect(delivery.detail).toMatch(/bad key/);
    expect(delivery.detail).not.toContain(token);
  });

  test('"send too fast" is retryable; HTTP 500 is retryable', async () => {
    receiver.respond(() => ({ status: 200, body: { errcode: 130101, errmsg: 'send too fast, exceed 20 times per minute' } }));
    expect(await deliver(make(), makeLogReport())).toMatchObject({
      ok: false, retryable: true, detail: expect.stringMatching(/rate limited/),
    });
    receiver.respond(() => ({ status: 500, body: 'oops' }));
    expect(await deliver(make(), makeLogReport())).toMatchObject({ ok: false, retryable: true, detail: expect.stringMatching(/HTTP 500/) });
  });

  test('HTTP 200 without errcode 0 is not delivered', async () => {
    receiver.respond(() => ({ status: 200, body: '<html>gateway</html>' }));
    expect(await deliver(make(), makeLogReport())).toMatchObject({ ok: false });
  });

  test('an unreachable robot gives plain words and no token', async () => {
    const port = await closedPort();
    const channel = createChannel(
      channelConfig('dingtalk', { access_token: token, url: `http://127.0.0.1:${port}/robot/send` }),
      makeContext([token]),
    );
    const delivery = await deliver(channel, makeLogReport());
    expect(delivery).toMatchObject({ ok: false, retryable: true });
    expect(delivery.detail).toMatch(/connection refused/);
    expect(delivery.detail).not.toContain(token);
  });
});
