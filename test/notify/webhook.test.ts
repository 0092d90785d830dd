import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { closedPort, startReceiver, type Receiver } from '../helpers/http-receiver.js';
import { createChannel, settings } from '../../lib/notify/channels/webhook.js';
import { ConfigError } from '../../lib/common/errors.js';
import { channelConfig, checkedConfig, expectNoSecret, testContext } from './channel-context.js';
import { makeMarker } from '../helpers/marker.js';
import { LAST_LINE, makeHugeReport, makeReport } from './reports.js';

const TOKEN = 'hook-secret-0a1b2c3d';
let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver(() => ({ status: 200, body: {} }));
});
afterAll(async () => {
  await receiver.close();
});

// Creates a webhook channel for the receiver, sends one report, returns the delivery and the request seen.
async function deliver(extra: Record<string, unknown> = {}, report = makeReport()) {
  const channel = createChannel(channelConfig('webhook', { url: `${receiver.url}/hook`, ...extra }), testContext());
  const delivery = await channel.send(channel.format(report));
  return { delivery, request: receiver.requests.at(-1)! };
}

describe('webhook channel', () => {
  test('POSTs the design body {title, content, status, severity, marker} with the configured headers', async () => {
    receiver.respond(() => ({ status: 204 }));
    const marker = makeMarker();
    const { delivery, request } = await deliver({ headers: { Authorization: `Bearer ${TOKEN}`, 'X-Lab': 'nlp' } }, makeReport({ marker }));
    expect(delivery).toEqual({ ok: true, detail: 'delivered', retryable: false });
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/hook');
    expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(request.headers['x-lab']).toBe('nlp');
    expect(request.headers['content-type']).toBe('application/json');
    const body = request.json as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['title', 'content', 'status', 'severity', 'marker']);
    expect(body).toMatchObject({ title: '❌ failed · bert · 123450_7', status: 'failed', severity: 'error', marker });
    expect(body.content).toContain('CUDA out of memory');
  });

  test('`token` becomes a Bearer header; `method: PUT` is honoured', async () => {
    const { request } = await deliver({ token: TOKEN, method: 'PUT' });
    expect(request.method).toBe('PUT');
    expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  test('a JSON body_template gets JSON-escaped values and stays valid JSON', async () => {
    const template =
      '{"msg_type":"text","text":"{{title}}\\n{{content}}","run":"{{run_id}}","host":"{{host}}","code":{{exit_code}},' +
      '"sev":"{{severity}}","job":"{{job_id}}","m":{{marker_json}}}';
    const report = makeReport({ logTail: ['quote " backslash \\ tab \t end'] });
    const { request } = await deliver({ body_template: template }, report);
    const body = request.json as Record<string, unknown>;
    expect(request.headers['content-type']).toBe('application/json');
    expect(body).toMatchObject({ msg_type: 'text', run: '123450_7', host: 'gpu042', code: 1, sev: 'error', job: '123457' });
    expect(body.text).toContain('quote " backslash \\ tab \t end');
    expect((body.m as { run_id: string }).run_id).toBe('123450_7');
  });

  test('a JSON template with an absent value (lost run: no exit code) still parses', async () => {
    const report = makeReport({ status: 'lost', marker: makeMarker({ status: 'lost', exit_code: null }) });
    const { request } = await deliver({ body_template: '{"code": {{exit_code}}, "s": "{{status}}"}' }, report);
    expect(request.json).toEqual({ code: null, s: 'lost' });
  });

  test('a text template is sent as text/plain, values as they are', async () => {
    const { request } = await deliver({ body_template: 'Run {{run_id}} on {{host}}: {{status}} "{{title}}"' });
    expect(request.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(request.body).toBe('Run 123450_7 on gpu042: failed "❌ failed · bert · 123450_7"');
  });

  test('bad templates are configuration errors naming the key', () => {
    const ctx = testContext();
    const make = (body_template: string) => () => createChannel(channelConfig('webhook', { url: receiver.url, body_template }), ctx);
    expect(make('{"a": "{{nope}}"}')).toThrow(ConfigError);
    expect(make('{"a": "{{nope}}"}')).toThrow(/channels\.webhook\.body_template: unknown placeholder \{\{nope\}\}/);
    expect(make('{"a": {{title}}}')).toThrow(/not valid JSON/);
    expect(() => checkedConfig(settings, channelConfig('webhook', { url: 'ftp://x' }))).toThrow(/channels\.webhook\.url/);
  });

  test('max_chars bounds the content and keeps the last log line', async () => {
    const { request } = await deliver({ max_chars: 3000 }, makeHugeReport());
    const content = (request.json as { content: string }).content;
    expect(Array.from(content).length).toBeLessThanOrEqual(3000);
    expect(content.trimEnd().endsWith(LAST_LINE)).toBe(true);
  });

  test('failures: 500 retryable, 403 not, hang times out, refused; the token is never in the words', async () => {
    const results = [];
    receiver.respond(() => ({ status: 500, body: `token ${TOKEN} rejected` }));
    results.push((await deliver({ token: TOKEN })).delivery);
    receiver.respond(() => ({ status: 403, body: 'forbidden' }));
    results.push((await deliver({ headers: { 'X-Api-Key': TOKEN } })).delivery);
    receiver.respond(() => ({ hang: true }));
    results.push((await deliver({ token: TOKEN, timeout_s: 0.3 })).delivery);
    const port = await closedPort();
    const channel = createChannel(channelConfig('webhook', { url: `http://127.0.0.1:${port}/h`, token: TOKEN }), testContext());
    results.push(await channel.send(channel.format(makeReport())));
    expect(results.map((d) => [d.ok, d.retryable])).toEqual([[false, true], [false, false], [false, true], [false, true]]);
    expect(results[0].detail).toBe('HTTP 500: token *** rejected');
    expect(results[2].detail).toMatch(/^timed out after 0.3 s/);
    expect(results[3].detail).toBe(`connection refused by 127.0.0.1:${port}`);
    expectNoSecret(results, [TOKEN]);
  });
});
