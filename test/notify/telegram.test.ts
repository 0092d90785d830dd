import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { closedPort, startReceiver, type Receiver } from '../helpers/http-receiver.js';
import { createChannel, TELEGRAM_LIMITS, type TelegramMessage } from '../../lib/notify/channels/telegram.js';
import { countChars } from '../../lib/report/limits.js';
import { channelConfig, expectNoSecret, testContext } from './channel-context.js';
import { LAST_LINE, makeHugeReport, makeReport } from './reports.js';

const TOKEN = '123456789:AAH-secret_token-value';
let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver(() => ({ status: 200, body: { ok: true, result: { message_id: 1 } } }));
});
afterAll(async () => {
  await receiver.close();
});

// Telegram's count: the text after its HTML entities are parsed (tags gone, escapes one character).
const visible = (html: string) =>
  html
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');

async function deliver(report = makeReport(), extra: Record<string, unknown> = {}, url = receiver.url) {
  const ctx = testContext();
  const channel = createChannel(channelConfig('telegram', { token: TOKEN, chat_id: -100123, url, ...extra }), ctx);
  const delivery = await channel.send(channel.format(report));
  return { delivery, request: receiver.requests.at(-1)!, ctx };
}

describe('telegram channel', () => {
  test('POSTs /bot<TOKEN>/sendMessage {chat_id, text, parse_mode: HTML}; "ok": true is delivered', async () => {
    receiver.respond(() => ({ status: 200, body: { ok: true, result: { message_id: 7 } } }));
    const { delivery, request } = await deliver();
    expect(delivery).toEqual({ ok: true, detail: 'delivered', retryable: false });
    expect(request.method).toBe('POST');
    expect(request.url).toBe(`/bot${TOKEN}/sendMessage`);
    const body = request.json as TelegramMessage;
    expect(body.chat_id).toBe('-100123');
    expect(body.parse_mode).toBe('HTML');
    expect(body.text.startsWith('<b>❌ failed · bert · 123450_7</b>\n\n')).toBe(true);
    // Log text is escaped for Telegram's HTML mode.
    expect(body.text).toContain('CUDA out of memory &lt;&amp;&gt;');
    expect(body.text).not.toMatch(/<(?!\/?(b|i|pre)>)/);
  });

  test('a huge log stays within 4096 visible characters and keeps the last line', async () => {
    const { request } = await deliver(makeHugeReport());
    const text = (request.json as TelegramMessage).text;
    expect(countChars(visible(text))).toBeLessThanOrEqual(TELEGRAM_LIMITS.text);
    expect(visible(text).trimEnd().endsWith(LAST_LINE)).toBe(true);
  });

  test('Telegram errors: 401 Unauthorized not retryable, 400 chat not found not retryable, ok:false said plainly', async () => {
    receiver.respond(() => ({ status: 401, body: { ok: false, error_code: 401, description: 'Unauthorized' } }));
    const a = (await deliver()).delivery;
    receiver.respond(() => ({ status: 400, body: { ok: false, error_code: 400, description: 'Bad Request: chat not found' } }));
    const b = (await deliver()).delivery;
    receiver.respond(() => ({ status: 200, body: { ok: false, description: 'odd' } }));
    const c = (await deliver()).delivery;
    expect(a).toEqual({ ok: false, detail: 'HTTP 401: Unauthorized', retryable: false });
    expect(b).toEqual({ ok: false, detail: 'HTTP 400: Bad Request: chat not found', retryable: false });
    expect(c).toMatchObject({ ok: false, detail: 'service said odd' });
  });

  test('the token (in the URL path) never appears: refused, hang, echoed in an error body, logged nowhere', async () => {
    const all = [];
    const port = await closedPort();
    const refused = await deliver(makeReport(), {}, `http://127.0.0.1:${port}`);
    all.push(refused.delivery);
    receiver.respond(() => ({ hang: true }));
    all.push((await deliver(makeReport(), { timeout_s: 0.3 })).delivery);
    receiver.respond(() => ({ status: 404, body: `no such path /bot${TOKEN}/sendMessage` }));
    all.push((await deliver()).delivery);
    receiver.respond(() => ({ status: 502, body: `bad gateway ${encodeURIComponent(TOKEN)}` }));
    all.push((await deliver()).delivery);
    expect(all.map((d) => d.ok)).toEqual([false, false, false, false]);
    expect(all[0].detail).toBe(`connection refused by 127.0.0.1:${port}`);
    expect(all[2].detail).toBe('HTTP 404: no such path /bot***/sendMessage');
    expectNoSecret(all, [TOKEN, 'AAH-secret_token-value']);
    expectNoSecret(Object.values(refused.ctx.logger.lines).flat(), [TOKEN]);
  });
});
