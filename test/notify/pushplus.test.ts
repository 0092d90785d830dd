import { createChannel, PUSHPLUS_LIMITS } from '../../lib/notify/channels/pushplus.js';
import { useReceiver } from '../helpers/http-receiver.js';
import { channelConfig, deliver, makeContext } from './channel-context.js';
import { HUGE_REPORTS, makeLogReport } from './reports.js';

const TOKEN = 'be8652e98bd04139a13e1bffcd6d0f71';

type Body = { token: string; title: string; content: string; template: string; channel?: string; topic?: string };

describe('pushplus channel', () => {
  const receiver = useReceiver(() => ({ status: 200, body: { code: 200, msg: '请求成功', data: '075074e3c17e449e9a0cb79cc6f3fc83' } }));

  const make = (values: Record<string, unknown> = {}) =>
    createChannel(channelConfig('pushplus', { token: TOKEN, url: `${receiver.url}/send`, ...values }), makeContext([TOKEN]));

  test('posts {token, title, content, template} to /send; delivered on code 200', async () => {
    const delivery = await deliver(make(), makeLogReport());
    expect(delivery.ok).toBe(true);
    const [request] = receiver.requests;
    expect(request.url).toBe('/send');
    expect(request.headers['content-type']).toMatch(/^application\/json/);
    const json = request.json as Body;
    expect(json.token).toBe(TOKEN);
    expect(json.template).toBe('markdown');
    expect(json.title).toContain('success');
    expect(json.content).toContain('LAST LINE 4');
    expect(json.channel).toBeUndefined();
  });

  test('template, channel and topic are passed on', async () => {
    await deliver(make({ template: 'html', channel: 'wechat', topic: 'lab' }), makeLogReport());
    expect(receiver.requests[0].json).toMatchObject({ template: 'html', channel: 'wechat', topic: 'lab' });
  });

  test.each(HUGE_REPORTS)('a huge report stays within 20,000 characters and keeps the end of the log (%s)', async (_label, build, last) => {
    await deliver(make(), build());
    const json = receiver.requests[0].json as Body;
    expect(Array.from(json.content).length).toBeLessThanOrEqual(PUSHPLUS_LIMITS.contentChars);
    expect(json.content).toContain(last);
  });

  test('a wrong token (code 999) is a bad key, not retryable, token hidden', async () => {
    receiver.respond(() => ({ status: 200, body: { code: 999, msg: `用户token不存在: ${TOKEN}`, data: null } }));
    const delivery = await deliver(make(), makeLogReport());
    expect(delivery).toMatchObject({ ok: false, retryable: false, detail: expect.stringMatching(/bad key.*999/) });
    expect(delivery.detail).not.toContain(TOKEN);
  });

  test('HTTP 200 with code 500 is not delivered and retryable', async () => {
    receiver.respond(() => ({ status: 200, body: { code: 500, msg: '服务器内部错误' } }));
    expect(await deliver(make(), makeLogReport())).toMatchObject({ ok: false, retryable: true });
  });
});
