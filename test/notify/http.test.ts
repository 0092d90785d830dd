import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { closedPort, startReceiver, type Receiver } from '../helpers/http-receiver.js';
import { makeTempDir } from '../helpers/run-bin.js';
import { deliverSafely, judgeAnswer, NetworkError, postRequest } from '../../lib/notify/http.js';
import { makeSelfSignedCert } from './tls-fixture.js';

const SECRET = 'tok-9f8e7d6c5b4a';
const redact = (s: string) => s.split(SECRET).join('***');

let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver.close();
});

// Awaits a rejection and returns it, failing the test if the promise resolved.
async function rejection(promise: Promise<unknown>): Promise<NetworkError> {
  try {
    await promise;
  } catch (error) {
    return error as NetworkError;
  }
  throw new Error('expected a rejection');
}

describe('postRequest', () => {
  test('POSTs JSON with the given headers and returns status, body and parsed JSON', async () => {
    receiver.respond(() => ({ status: 200, body: { code: 0, msg: 'ok' } }));
    const answer = await postRequest({ url: `${receiver.url}/push/x`, json: { a: 1, b: '中文' }, headers: { 'X-Token': 'abc' } });
    expect(answer).toEqual({ status: 200, body: '{"code":0,"msg":"ok"}', json: { code: 0, msg: 'ok' } });
    const req = receiver.requests.at(-1)!;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/push/x');
    expect(req.headers['content-type']).toMatch(/^application\/json/);
    expect(req.headers['x-token']).toBe('abc');
    expect(req.json).toEqual({ a: 1, b: '中文' });
  });

  test('sends a form or a raw body, and another method when asked', async () => {
    receiver.respond(() => ({ status: 200, body: 'plain words' }));
    const answer = await postRequest({ url: receiver.url, form: { title: 'a b', desp: 'x&y' } });
    expect(answer.json).toBeNull();
    expect(answer.body).toBe('plain words');
    expect(receiver.requests.at(-1)!.body).toBe('title=a+b&desp=x%26y');
    await postRequest({ url: receiver.url, body: 'raw', method: 'PUT', headers: { 'content-type': 'text/plain' } });
    expect(receiver.requests.at(-1)).toMatchObject({ method: 'PUT', body: 'raw' });
  });

  test('resolves for any HTTP status, sending once (no retry on status)', async () => {
    const before = receiver.requests.length;
    receiver.respond(() => ({ status: 500, body: 'boom' }));
    const answer = await postRequest({ url: receiver.url, json: {} });
    expect(answer.status).toBe(500);
    expect(receiver.requests.length - before).toBe(1);
  });

  test('a hanging server is a NetworkError saying how long it waited', async () => {
    receiver.respond(() => ({ hang: true }));
    const error = await rejection(postRequest({ url: `${receiver.url}/bot${SECRET}/x`, json: {}, timeoutMs: 300, redact }));
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.code).toBe('E_NETWORK');
    expect(error.message).toBe(`timed out after 0.3 s (127.0.0.1:${receiver.port})`);
  });

  test('connection refused, tried twice, in plain words without the path', async () => {
    const port = await closedPort();
    const error = await rejection(postRequest({ url: `http://127.0.0.1:${port}/bot${SECRET}/send`, json: {} }));
    expect(error.code).toBe('E_NETWORK');
    expect(error.message).toBe(`connection refused by 127.0.0.1:${port}`);
    expect(error.message).not.toContain(SECRET);
  });

  test('a dropped connection is retried once quickly, then reported as reset', async () => {
    const before = receiver.requests.length;
    receiver.respond(() => ({ destroy: true }));
    const error = await rejection(postRequest({ url: receiver.url, json: {} }));
    expect(error.message).toBe(`connection reset by 127.0.0.1:${receiver.port}`);
    expect(receiver.requests.length - before).toBe(2);
  });

  test('an unknown host name', async () => {
    const error = await rejection(postRequest({ url: 'http://no-such-host.invalid/x', json: {}, timeoutMs: 5000 }));
    expect(error.message).toBe('host not found: no-such-host.invalid:80');
  });

  test('a self-signed certificate is a TLS failure', async () => {
    const tmp = makeTempDir();
    const server: Server = createServer(makeSelfSignedCert(tmp.dir), (_req, res) => res.end('{}'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      const error = await rejection(postRequest({ url: `https://127.0.0.1:${port}/k/${SECRET}`, json: {}, redact }));
      expect(error.message).toBe(`TLS failure with 127.0.0.1:${port}: certificate not trusted (self-signed)`);
      expect(error.message).not.toContain(SECRET);
    } finally {
      server.close();
      tmp.cleanup();
    }
  });
});

describe('judgeAnswer', () => {
  const pass = () => ({ ok: true });
  test('2xx and a passing check is delivered', () => {
    expect(judgeAnswer({ status: 204, body: '', json: null }, pass)).toEqual({ ok: true, detail: 'delivered', retryable: false });
  });
  test('5xx and 429 are retryable, 400/401/403/404 are not; the body is shortened', () => {
    expect(judgeAnswer({ status: 500, body: 'oops\n  broken', json: null }, pass))
      .toEqual({ ok: false, detail: 'HTTP 500: oops broken', retryable: true });
    expect(judgeAnswer({ status: 429, body: '', json: null }, pass)).toEqual({ ok: false, detail: 'HTTP 429', retryable: true });
    for (const status of [400, 401, 403, 404]) expect(judgeAnswer({ status, body: 'no', json: null }, pass).retryable).toBe(false);
    expect(judgeAnswer({ status: 502, body: 'x'.repeat(5000), json: null }, pass).detail.length).toBeLessThan(220);
  });
  test('a failing check says what the service said', () => {
    const check = () => ({ ok: false, detail: 'code 1: bad key', retryable: false });
    expect(judgeAnswer({ status: 200, body: '{}', json: {} }, check))
      .toEqual({ ok: false, detail: 'service said code 1: bad key', retryable: false });
  });
});

describe('deliverSafely', () => {
  test('a NetworkError becomes a retryable failure, redacted', async () => {
    const d = await deliverSafely(async () => {
      throw new NetworkError(`connection refused ${SECRET}`);
    }, redact);
    expect(d).toEqual({ ok: false, detail: 'connection refused ***', retryable: true });
  });
  test('a returned delivery is redacted too', async () => {
    const d = await deliverSafely(async () => ({ ok: false, detail: `HTTP 401: bad ${SECRET}`, retryable: false }), redact);
    expect(d.detail).toBe('HTTP 401: bad ***');
  });
  test('a bug still throws, with secrets removed from its message', async () => {
    await expect(deliverSafely(async () => {
      throw new TypeError(`oops ${SECRET}`);
    }, redact)).rejects.toThrow('oops ***');
  });
});
