import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { closedPort, startReceiver, type Receiver } from '../helpers/http-receiver.js';
import { createChannel, SLACK_LIMITS, type SlackMessage } from '../../lib/notify/channels/slack.js';
import { channelConfig, expectNoSecret, testContext } from './channel-context.js';
import { LAST_LINE, makeHugeReport, makeReport } from './reports.js';

// Slack's webhook URLs are themselves the secret.
const HOOK_PATH = '/services/T000/B000/XXXXsecretXXXX';
let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver(() => ({ status: 200, body: 'ok', headers: { 'content-type': 'text/html' } }));
});
afterAll(async () => {
  await receiver.close();
});

const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

async function deliver(report = makeReport()) {
  const channel = createChannel(channelConfig('slack', { url: `${receiver.url}${HOOK_PATH}` }), testContext());
  const delivery = await channel.send(channel.format(report));
  return { delivery, request: receiver.requests.at(-1)! };
}

describe('slack channel', () => {
  test('POSTs {text, blocks, attachments[color]} and the plain `ok` answer is delivered', async () => {
    receiver.respond(() => ({ status: 200, body: 'ok' }));
    const { delivery, request } = await deliver();
    expect(delivery).toEqual({ ok: true, detail: 'delivered', retryable: false });
    expect(request.method).toBe('POST');
    expect(request.url).toBe(HOOK_PATH);
    expect(request.headers['content-type']).toMatch(/^application\/json/);
    const body = request.json as SlackMessage;
    expect(body.text).toContain('❌ failed · bert · 123450_7');
    expect(body.blocks[0]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: '*❌ failed · bert · 123450_7*' } });
    expect(body.attachments[0].color).toBe('#e01e5a');
    const sections = body.attachments[0].blocks.map((b) => b.text.text).join('\n');
    // Slack's control characters are escaped.
    expect(sections).toContain('CUDA out of memory &lt;&amp;&gt;');
  });

  test('colour follows severity', async () => {
    receiver.respond(() => ({ status: 200, body: 'ok' }));
    const ok = await deliver(makeReport({ status: 'success' }));
    const lost = await deliver(makeReport({ status: 'lost' }));
    expect((ok.request.json as SlackMessage).attachments[0].color).toBe('#2eb67d');
    expect((lost.request.json as SlackMessage).attachments[0].color).toBe('#8b0000');
  });

  test('a huge log: every section within 3000, text within 40000, the last line kept', async () => {
    receiver.respond(() => ({ status: 200, body: 'ok' }));
    const { request } = await deliver(makeHugeReport());
    const body = request.json as SlackMessage;
    expect(body.text.length).toBeLessThanOrEqual(SLACK_LIMITS.text);
    const sections = [...body.blocks, ...body.attachments[0].blocks];
    expect(sections.length).toBeLessThanOrEqual(50);
    for (const s of sections) expect(s.text.text.length).toBeLessThanOrEqual(3000);
    const last = sections.at(-1)!.text.text;
    expect(unescape(last).replace(/```$/, '').trimEnd().endsWith(LAST_LINE)).toBe(true);
  });

  test('Slack error answers: 400 invalid_payload not retryable, 500 retryable, 200 with another word not delivered', async () => {
    receiver.respond(() => ({ status: 400, body: 'invalid_payload' }));
    expect((await deliver()).delivery).toEqual({ ok: false, detail: 'HTTP 400: invalid_payload', retryable: false });
    receiver.respond(() => ({ status: 500, body: 'rollup_error' }));
    expect((await deliver()).delivery).toMatchObject({ ok: false, retryable: true });
    receiver.respond(() => ({ status: 200, body: 'no_text' }));
    expect((await deliver()).delivery).toMatchObject({ ok: false, detail: 'service said no_text' });
  });

  test('connection refused; the hook path never shows', async () => {
    const port = await closedPort();
    const channel = createChannel(channelConfig('slack', { url: `http://127.0.0.1:${port}${HOOK_PATH}`, timeout_s: 1 }), testContext());
    const delivery = await channel.send(channel.format(makeReport()));
    expect(delivery).toEqual({ ok: false, detail: `connection refused by 127.0.0.1:${port}`, retryable: true });
    expectNoSecret([delivery], ['XXXXsecretXXXX']);
  });
});
