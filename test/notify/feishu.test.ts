import { createChannel, FEISHU_MAX_BODY_BYTES, FEISHU_URL, LARK_URL } from '../../lib/notify/channels/feishu.js';
import { useReceiver } from '../helpers/http-receiver.js';
import { channelConfig, deliver, makeContext, opensslHmacBase64 } from './channel-context.js';
import { HUGE_REPORTS, makeLogReport } from './reports.js';

const TOKEN = 'f19a7c3e-0000-4d1b-a994-790f21fc8d30';
const SECRET = 'zs0Tq1w2e3r4t5y6u7i8o9';

type Post = {
  msg_type: string;
  content: { post: Record<string, { title: string; content: Array<Array<{ tag: string; text: string }>> }> };
};

describe('feishu / lark channel', () => {
  const receiver = useReceiver(() => ({ status: 200, body: { code: 0, data: {}, msg: 'success' } }));

  const make = (values: Record<string, unknown> = {}, type = 'feishu') =>
    createChannel(
      channelConfig(type, { token: TOKEN, url: `${receiver.url}/open-apis/bot/v2/hook/{token}`, ...values }),
      makeContext([TOKEN, SECRET]),
    );

  test('posts a rich-text message to /open-apis/bot/v2/hook/{token}; delivered on code 0', async () => {
    const delivery = await deliver(make(), makeLogReport());
    expect(delivery.ok).toBe(true);
    const [request] = receiver.requests;
    expect(request.url).toBe(`/open-apis/bot/v2/hook/${TOKEN}`);
    expect(request.headers['content-type']).toMatch(/^application\/json/);
    const json = request.json as Post & { sign?: string };
    expect(json.msg_type).toBe('post');
    expect(json.sign).toBeUndefined();
    const post = json.content.post.en_us;
    expect(post.title).toContain('success');
    const lines = post.content.map((p) => p.map((e) => e.text).join(''));
    expect(lines).toContain('LAST LINE 4');
    expect(post.content.every((p) => p.every((e) => e.tag === 'text'))).toBe(true);
  });

  test('Chinese reports use zh_cn; msg_type text and interactive are laid out as the bot expects', async () => {
    await deliver(make(), makeLogReport({ language: 'zh' }));
    expect(Object.keys((receiver.requests[0].json as Post).content.post)).toEqual(['zh_cn']);
    await deliver(make({ msg_type: 'text' }), makeLogReport());
    const text = receiver.requests[1].json as { msg_type: string; content: { text: string } };
    expect(text.msg_type).toBe('text');
    expect(text.content.text).toContain('LAST LINE 4');
    await deliver(make({ msg_type: 'interactive' }), makeLogReport({ status: 'failed' }));
    const card = receiver.requests[2].json as {
      msg_type: string;
      card: { header: { template: string; title: { content: string } }; elements: Array<{ content: string }> };
    };
    expect(card.msg_type).toBe('interactive');
    expect(card.card.header.template).toBe('red');
    expect(card.card.header.title.content).toContain('failed');
    expect(card.card.elements[0].content).toContain('LAST LINE 4');
  });

  test('signing: timestamp (seconds) and sign in the body match an independent openssl HMAC of an empty message', async () => {
    const before = Math.floor(Date.now() / 1000);
    await deliver(make({ secret: SECRET }), makeLogReport());
    const json = receiver.requests[0].json as { timestamp: string; sign: string };
    expect(typeof json.timestamp).toBe('string');
    expect(Number(json.timestamp)).toBeGreaterThanOrEqual(before);
    expect(Number(json.timestamp)).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
    // Feishu: the KEY is `timestamp + "\n" + secret`, the data is empty.
    expect(json.sign).toBe(opensslHmacBase64(`${json.timestamp}\n${SECRET}`, ''));
  });

  test.each(HUGE_REPORTS)('a huge report keeps the whole request under 20 KB and the end of the log (%s)', async (_label, build, last) => {
    for (const msgType of ['post', 'text', 'interactive']) {
      await deliver(make({ msg_type: msgType, secret: SECRET }), build());
    }
    for (const request of receiver.requests) {
      expect(Buffer.byteLength(request.body)).toBeLessThanOrEqual(FEISHU_MAX_BODY_BYTES);
      expect(request.body).toContain(last);
    }
  });

  test('the default hosts: open.feishu.cn for feishu, open.larksuite.com for lark', () => {
    expect(FEISHU_URL).toBe('https://open.feishu.cn/open-apis/bot/v2/hook/{token}');
    expect(LARK_URL).toBe('https://open.larksuite.com/open-apis/bot/v2/hook/{token}');
  });

  test('lark with a base URL without {token} appends the token', async () => {
    const channel = createChannel(channelConfig('lark', { token: TOKEN, url: `${receiver.url}/hook/` }), makeContext([TOKEN]));
    expect((await deliver(channel, makeLogReport())).ok).toBe(true);
    expect(receiver.requests[0].url).toBe(`/hook/${TOKEN}`);
  });

  test('a rejected signature is not retryable and shows no secret', async () => {
    receiver.respond(() => ({
      status: 200,
      body: { code: 19021, data: {}, msg: 'sign match fail or timestamp is not within one hour from current time' },
    }));
    const delivery = await deliver(make({ secret: SECRET }), makeLogReport());
    expect(delivery).toMatchObject({ ok: false, retryable: false });
    expect(delivery.detail).toMatch(/signature rejected/);
    expect(delivery.detail).not.toContain(SECRET);
  });

  test('older answers: StatusCode 0 is delivered; a bad token is a bad key', async () => {
    receiver.respond(() => ({ status: 200, body: { Extra: null, StatusCode: 0, StatusMessage: 'success' } }));
    expect((await deliver(make(), makeLogReport())).ok).toBe(true);
    receiver.respond(() => ({ status: 200, body: { code: 19001, data: {}, msg: 'param invalid: incoming webhook access token invalid' } }));
    const delivery = await deliver(make(), makeLogReport());
    expect(delivery).toMatchObject({ ok: false, retryable: false, detail: expect.stringMatching(/bad key/) });
    expect(delivery.detail).not.toContain(TOKEN);
  });
});
