import { BARK_MAX_BODY_CHARS, createChannel } from '../../lib/notify/channels/bark.js';
import { useReceiver } from '../helpers/http-receiver.js';
import { channelConfig, deliver, makeContext } from './channel-context.js';
import { HUGE_REPORTS, makeLogReport } from './reports.js';

const KEY = 'NdjE5z8V6xHqJ2pQ';

type BarkBody = { device_key: string; title: string; body: string; level: string; group: string };

describe('bark channel', () => {
  const receiver = useReceiver(() => ({ status: 200, body: { code: 200, message: 'success', timestamp: 1700000000 } }));

  const make = (values: Record<string, unknown> = {}) =>
    createChannel(channelConfig('bark', { device_key: KEY, server: receiver.url, ...values }), makeContext([KEY]));

  test('posts {device_key, title, body, level, group} to /push; delivered on code 200', async () => {
    const delivery = await deliver(make(), makeLogReport());
    expect(delivery.ok).toBe(true);
    const [request] = receiver.requests;
    expect(request.url).toBe('/push');
    expect(request.headers['content-type']).toMatch(/^application\/json/);
    const json = request.json as BarkBody;
    expect(json.device_key).toBe(KEY);
    expect(json.title).toContain('success');
    expect(json.body).toContain('LAST LINE 4');
    expect(json.level).toBe('active');
    expect(json.group).toBe('hpc-run');
  });

  test('level by severity: warning/error timeSensitive, critical critical; group is configurable', async () => {
    await deliver(make(), makeLogReport({ status: 'terminated' }));
    await deliver(make(), makeLogReport({ status: 'failed' }));
    await deliver(make({ group: 'bert' }), makeLogReport({ status: 'lost' }));
    const bodies = receiver.requests.map((r) => r.json as BarkBody);
    expect(bodies.map((b) => b.level)).toEqual(['timeSensitive', 'timeSensitive', 'critical']);
    expect(bodies[2].group).toBe('bert');
  });

  test.each(HUGE_REPORTS)('a huge report is cut to a short body that keeps the last line (%s)', async (_label, build, last) => {
    await deliver(make(), build());
    const json = receiver.requests[0].json as BarkBody;
    expect(Array.from(json.body).length).toBeLessThanOrEqual(BARK_MAX_BODY_CHARS);
    expect(json.body).toContain(last);
  });

  test('an unknown device key (HTTP 400 with the server message) is a bad key, not retryable, key hidden', async () => {
    receiver.respond(() => ({
      status: 400,
      body: { code: 400, message: `failed to get device token: failed to get [${KEY}] device token from database`, timestamp: 1700000000 },
    }));
    const delivery = await deliver(make(), makeLogReport());
    expect(delivery).toMatchObject({ ok: false, retryable: false });
    expect(delivery.detail).toMatch(/bad key/);
    expect(delivery.detail).not.toContain(KEY);
  });

  test('HTTP 200 with another code is not delivered; 503 is retryable', async () => {
    receiver.respond(() => ({ status: 200, body: { code: 500, message: 'push failed' } }));
    expect(await deliver(make(), makeLogReport())).toMatchObject({ ok: false, detail: expect.stringMatching(/code 500: push failed/) });
    receiver.respond(() => ({ status: 503, body: 'busy' }));
    expect(await deliver(make(), makeLogReport())).toMatchObject({ ok: false, retryable: true });
  });
});
