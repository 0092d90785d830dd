import { createChannel, encodeHeader, NTFY_MAX_MESSAGE_BYTES } from '../../lib/notify/channels/ntfy.js';
import { useReceiver } from '../helpers/http-receiver.js';
import { channelConfig, deliver, makeContext } from './channel-context.js';
import { HUGE_REPORTS, makeLogReport } from './reports.js';

const TOKEN = 'tk_7eevizlsiwf9yi4uxsrs83r4352o0';

// Decodes an RFC 2047 `=?UTF-8?B?…?=` header the way ntfy does.
const decode = (value: string) => {
  const m = /^=\?UTF-8\?B\?(.*)\?=$/.exec(value);
  return m ? Buffer.from(m[1], 'base64').toString('utf8') : value;
};

describe('ntfy channel', () => {
  const receiver = useReceiver(() => ({ status: 200, body: { id: 'hwQ2YpKdmg', event: 'message', topic: 'alice-jobs' } }));

  const make = (values: Record<string, unknown> = {}) =>
    createChannel(channelConfig('ntfy', { topic: 'alice-jobs', server: receiver.url, ...values }), makeContext([TOKEN]));

  test('posts the text to /{topic} with title, priority and tags headers', async () => {
    const delivery = await deliver(make(), makeLogReport());
    expect(delivery.ok).toBe(true);
    const [request] = receiver.requests;
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/alice-jobs');
    expect(request.headers['content-type']).toMatch(/^text\/plain/);
    expect(decode(String(request.headers['x-title']))).toContain('success');
    expect(request.headers['x-priority']).toBe('3');
    expect(String(request.headers['x-tags']).split(',')).toEqual(['white_check_mark', 'hpc-run']);
    expect(request.headers.authorization).toBeUndefined();
    expect(request.body).toContain('LAST LINE 4');
  });

  test('priority follows severity: warning 4, error 4, critical 5; a token goes as Bearer; extra tags are added', async () => {
    await deliver(make(), makeLogReport({ status: 'timeout' }));
    await deliver(make(), makeLogReport({ status: 'failed' }));
    await deliver(make({ token: TOKEN, tags: 'gpu, cluster' }), makeLogReport({ status: 'lost' }));
    expect(receiver.requests.map((r) => r.headers['x-priority'])).toEqual(['4', '4', '5']);
    expect(receiver.requests[2].headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(String(receiver.requests[2].headers['x-tags']).split(',')).toEqual(['rotating_light', 'hpc-run', 'gpu', 'cluster']);
  });

  test('non-ASCII titles go RFC 2047 encoded and decode back', async () => {
    await deliver(make(), makeLogReport({ language: 'zh' }));
    const header = String(receiver.requests[0].headers['x-title']);
    expect(header).toMatch(/^=\?UTF-8\?B\?/);
    expect(decode(header)).toContain('✅');
    expect(encodeHeader('plain title')).toBe('plain title');
  });

  test.each(HUGE_REPORTS)('a huge report stays within 4096 bytes and keeps the end of the log (%s)', async (_label, build, last) => {
    await deliver(make(), build());
    const body = receiver.requests[0].body;
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(NTFY_MAX_MESSAGE_BYTES);
    expect(body).toContain(last);
  });

  test('a refused token is a bad key, not retryable, without the token', async () => {
    receiver.respond(() => ({ status: 401, body: { code: 40101, http: 401, error: 'unauthorized', link: 'https://ntfy.sh/docs/publish/#authentication' } }));
    const delivery = await deliver(make({ token: TOKEN }), makeLogReport());
    expect(delivery).toMatchObject({ ok: false, retryable: false });
    expect(delivery.detail).toMatch(/bad key.*401.*unauthorized/);
    expect(delivery.detail).not.toContain(TOKEN);
  });

  test('429 is retryable', async () => {
    receiver.respond(() => ({ status: 429, body: { code: 42901, http: 429, error: 'limit reached: too many requests' } }));
    expect(await deliver(make(), makeLogReport())).toMatchObject({
      ok: false, retryable: true, detail: expect.stringMatching(/rate limited/),
    });
  });
});
