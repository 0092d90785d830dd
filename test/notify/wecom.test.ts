import { createChannel, WECOM_MAX_MARKDOWN_BYTES } from '../../lib/notify/channels/wecom.js';
import { robotKey, robotLimiter } from '../../lib/notify/rate-limit.js';
import { useReceiver } from '../helpers/http-receiver.js';
import { channelConfig, deliver, makeContext } from './channel-context.js';
import { HUGE_REPORTS, makeLogReport } from './reports.js';

const KEY = '693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa';

describe('wecom channel', () => {
  const receiver = useReceiver(() => ({ status: 200, body: { errcode: 0, errmsg: 'ok' } }));

  const make = () =>
    createChannel(channelConfig('wecom', { key: KEY, url: `${receiver.url}/cgi-bin/webhook/send` }), makeContext([KEY]));

  test('posts markdown content to /cgi-bin/webhook/send?key=…; delivered on errcode 0', async () => {
    const delivery = await deliver(make(), makeLogReport({ status: 'failed' }));
    expect(delivery.ok).toBe(true);
    const [request] = receiver.requests;
    const url = new URL(request.url, receiver.url);
    expect(url.pathname).toBe('/cgi-bin/webhook/send');
    expect(url.searchParams.get('key')).toBe(KEY);
    expect(request.headers['content-type']).toMatch(/^application\/json/);
    const json = request.json as { msgtype: string; markdown: { content: string } };
    expect(json.msgtype).toBe('markdown');
    expect(json.markdown.content).toContain('failed');
    expect(json.markdown.content).toContain('<font color="warning">');
    expect(json.markdown.content).toContain('LAST LINE 4');
  });

  test.each(HUGE_REPORTS)(
    'a huge report stays within 4096 bytes of markdown and keeps the end of the log (%s)',
    async (_label, build, last) => {
      await deliver(make(), build());
      const content = (receiver.requests[0].json as { markdown: { content: string } }).markdown.content;
      expect(Buffer.byteLength(content)).toBeLessThanOrEqual(WECOM_MAX_MARKDOWN_BYTES);
      expect(content).toContain(last);
    },
  );

  test('an invalid key is a bad key, not retryable, and the key is not shown', async () => {
    receiver.respond(() => ({
      status: 200,
      body: { errcode: 93000, errmsg: `invalid webhook url, hint: [1700000000_1_abc], from ip: 1.2.3.4, key=${KEY}` },
    }));
    const delivery = await deliver(make(), makeLogReport());
    expect(delivery).toMatchObject({ ok: false, retryable: false });
    expect(delivery.detail).toMatch(/bad key/);
    expect(delivery.detail).toMatch(/93000/);
    expect(delivery.detail).not.toContain(KEY);
  });

  test('sends are counted by the shared per-robot limiter (20 a minute)', async () => {
    const before = robotLimiter.history(robotKey('wecom', KEY)).length;
    await deliver(make(), makeLogReport());
    expect(robotLimiter.history(robotKey('wecom', KEY)).length).toBe(before + 1);
  });

  test('the frequency limit is retryable', async () => {
    receiver.respond(() => ({ status: 200, body: { errcode: 45009, errmsg: 'api freq out of limit' } }));
    expect(await deliver(make(), makeLogReport())).toMatchObject({
      ok: false, retryable: true, detail: expect.stringMatching(/rate limited/),
    });
  });
});
