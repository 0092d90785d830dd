import { createChannel, defaultUrl, SERVERCHAN_LIMITS } from '../../lib/notify/channels/serverchan.js';
import { useReceiver } from '../helpers/http-receiver.js';
import { channelConfig, deliver, makeContext } from './channel-context.js';
import { HUGE_REPORTS, makeLogReport } from './reports.js';

const KEY = 'SCT123456TqWErTyUiOpAsDfGh';

describe('serverchan channel', () => {
  const receiver = useReceiver(() => ({
    status: 200,
    body: { code: 0, message: '', data: { pushid: '1', readkey: 'x', error: 'SUCCESS', errno: 0 } },
  }));

  const make = () =>
    createChannel(channelConfig('serverchan', { sendkey: KEY, url: `${receiver.url}/{sendkey}.send` }), makeContext([KEY]));

  test('posts {title, desp} to /{sendkey}.send; delivered on code 0', async () => {
    const delivery = await deliver(make(), makeLogReport({ status: 'failed' }));
    expect(delivery.ok).toBe(true);
    const [request] = receiver.requests;
    expect(request.url).toBe(`/${KEY}.send`);
    expect(request.headers['content-type']).toMatch(/^application\/json/);
    const json = request.json as { title: string; desp: string };
    expect(json.title).toContain('failed');
    expect(json.desp).toContain('LAST LINE 4');
  });

  test.each(HUGE_REPORTS)(
    'a huge report: title within 32 characters, desp within 32 KB, the end of the log kept (%s)',
    async (_label, build, last) => {
      await deliver(make(), build());
      const json = receiver.requests[0].json as { title: string; desp: string };
      expect(Array.from(json.title).length).toBeLessThanOrEqual(SERVERCHAN_LIMITS.title);
      expect(Buffer.byteLength(json.desp)).toBeLessThanOrEqual(SERVERCHAN_LIMITS.despBytes);
      expect(json.desp).toContain(last);
    },
  );

  test('Turbo and Server酱³ default URLs', () => {
    expect(defaultUrl(KEY)).toBe('https://sctapi.ftqq.com/{sendkey}.send');
    expect(defaultUrl('sctp1234tAbCdEf')).toBe('https://1234.push.ft07.com/send/{sendkey}.send');
  });

  test('a wrong key is a bad key, not retryable, key hidden', async () => {
    receiver.respond(() => ({ status: 200, body: { code: 40001, message: `bad pushtoken ${KEY}`, data: null } }));
    const delivery = await deliver(make(), makeLogReport());
    expect(delivery).toMatchObject({ ok: false, retryable: false, detail: expect.stringMatching(/bad key.*40001/) });
    expect(delivery.detail).not.toContain(KEY);
  });

  test('HTTP 200 with another code is not delivered', async () => {
    receiver.respond(() => ({ status: 200, body: { code: 20001, message: 'server busy' } }));
    expect(await deliver(make(), makeLogReport())).toMatchObject({
      ok: false, retryable: true, detail: expect.stringMatching(/20001: server busy/),
    });
  });
});
