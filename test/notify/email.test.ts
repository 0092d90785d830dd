import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { closedPort } from '../helpers/http-receiver.js';
import { makeTempDir } from '../helpers/run-bin.js';
import { createChannel } from '../../lib/notify/channels/email.js';
import { channelConfig, expectNoSecret, testContext } from './channel-context.js';
import { LAST_LINE, makeHugeReport, makeReport } from './reports.js';
import { decodeWords, parseMessage } from './mime.js';
import { makeSelfSignedCert } from './tls-fixture.js';

const PASSWORD = 'p@ss-w0rd-7xq!';
const USER = 'alice@lab.example';

interface Received {
  auth: Array<{ method: string; username?: string; password?: string }>;
  mailFrom: string[];
  rcptTo: string[];
  raw: string[];
  tls: boolean[];
}

// A real SMTP server on 127.0.0.1 that records everything and refuses `nobody@…` (550) and `busy@…` (450).
async function startSmtp(options: Partial<SMTPServerOptions> = {}): Promise<{ port: number; got: Received; close(): Promise<void> }> {
  const got: Received = { auth: [], mailFrom: [], rcptTo: [], raw: [], tls: [] };
  const server = new SMTPServer({
    logger: false,
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    onAuth(auth, _session, callback) {
      got.auth.push({ method: auth.method, username: auth.username, password: auth.password ?? undefined });
      if (auth.username === USER && auth.password === PASSWORD) return callback(null, { user: USER });
      return callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onMailFrom(address, session, callback) {
      got.mailFrom.push(address.address);
      got.tls.push(session.secure);
      callback();
    },
    onRcptTo(address, _session, callback) {
      if (address.address.startsWith('nobody@')) return callback(Object.assign(new Error('No such user here'), { responseCode: 550 }));
      if (address.address.startsWith('busy@')) return callback(Object.assign(new Error('Mailbox busy, try later'), { responseCode: 450 }));
      got.rcptTo.push(address.address);
      callback();
    },
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        got.raw.push(Buffer.concat(chunks).toString('utf8'));
        callback();
      });
    },
    ...options,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return { port, got, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const tmp = makeTempDir();
let tls: { key: Buffer; cert: Buffer };
beforeAll(() => {
  tls = makeSelfSignedCert(tmp.dir);
});
afterAll(() => tmp.cleanup());

const base = (port: number, extra: Record<string, unknown> = {}) =>
  channelConfig('email', {
    host: '127.0.0.1', port, security: 'none', user: USER, password: PASSWORD,
    from: 'hpc-run <hpc@lab.example>', to: ['bob@lab.example', 'carol@lab.example'], timeout_s: 5, ...extra,
  });

async function send(config: ReturnType<typeof base>, report = makeReport()) {
  const channel = createChannel(config, testContext());
  return channel.send(channel.format(report));
}

describe('email channel', () => {
  test('delivers to every recipient with the title as subject and both plain-text and HTML parts', async () => {
    const smtp = await startSmtp({ disabledCommands: ['STARTTLS'] });
    try {
      const delivery = await send(base(smtp.port));
      expect(delivery).toEqual({ ok: true, detail: 'delivered to 2 recipient(s)', retryable: false });
      expect(smtp.got.rcptTo).toEqual(['bob@lab.example', 'carol@lab.example']);
      expect(smtp.got.mailFrom).toEqual(['hpc@lab.example']);
      const mail = parseMessage(smtp.got.raw[0]);
      expect(decodeWords(mail.headers.subject)).toBe('❌ failed · bert · 123450_7');
      expect(mail.headers.to).toBe('bob@lab.example, carol@lab.example');
      expect(mail.headers['content-type']).toMatch(/^multipart\/alternative/);
      const text = mail.parts.find((p) => p.headers['content-type'].startsWith('text/plain'))!;
      const html = mail.parts.find((p) => p.headers['content-type'].startsWith('text/html'))!;
      expect(text.body).toContain('RuntimeError: CUDA out of memory <&>');
      expect(html.body).toContain('<!DOCTYPE html>');
      expect(html.body).toContain('RuntimeError: CUDA out of memory &lt;&amp;&gt;');
      expect(html.body).toContain('<title>❌ failed · bert · 123450_7</title>');
    } finally {
      await smtp.close();
    }
  });

  test('authenticates with AUTH PLAIN and with AUTH LOGIN using the configured credentials', async () => {
    for (const method of ['PLAIN', 'LOGIN']) {
      const smtp = await startSmtp({ disabledCommands: ['STARTTLS'], authMethods: [method] });
      try {
        expect((await send(base(smtp.port, { to: 'bob@lab.example' }))).ok).toBe(true);
        expect(smtp.got.auth).toEqual([{ method, username: USER, password: PASSWORD }]);
      } finally {
        await smtp.close();
      }
    }
  });

  test('a wrong password is not retryable and the password never shows', async () => {
    const smtp = await startSmtp({ disabledCommands: ['STARTTLS'] });
    try {
      const delivery = await send(base(smtp.port, { password: `${PASSWORD}-wrong` }));
      expect(delivery.ok).toBe(false);
      expect(delivery.retryable).toBe(false);
      expect(delivery.detail).toMatch(/^authentication failed at 127\.0\.0\.1:\d+: 535/);
      expectNoSecret([delivery], [PASSWORD]);
    } finally {
      await smtp.close();
    }
  });

  test('one rejected recipient means not delivered (550: not retryable; 450: retryable)', async () => {
    const smtp = await startSmtp({ disabledCommands: ['STARTTLS'] });
    try {
      const permanent = await send(base(smtp.port, { to: 'bob@lab.example, nobody@lab.example' }));
      expect(permanent).toMatchObject({ ok: false, retryable: false });
      expect(permanent.detail).toMatch(/^server rejected nobody@lab\.example \(550 No such user here\)/);
      const temporary = await send(base(smtp.port, { to: ['busy@lab.example'] }));
      expect(temporary).toMatchObject({ ok: false, retryable: true });
      expect(temporary.detail).toMatch(/^server rejected busy@lab\.example/);
    } finally {
      await smtp.close();
    }
  });

  test('STARTTLS with a self-signed certificate: refused by default, delivered with tls_insecure: true', async () => {
    const smtp = await startSmtp({ key: tls.key, cert: tls.cert });
    try {
      const strict = await send(base(smtp.port, { security: 'starttls' }));
      expect(strict.ok).toBe(false);
      expect(strict.detail).toBe(`TLS failure with 127.0.0.1:${smtp.port}: certificate not trusted (self-signed)`);
      expect(smtp.got.auth).toEqual([]);
      const insecure = await send(base(smtp.port, { security: 'starttls', tls_insecure: true }));
      expect(insecure.ok).toBe(true);
      expect(smtp.got.tls).toEqual([true]);
      expect(smtp.got.auth).toHaveLength(1);
    } finally {
      await smtp.close();
    }
  });

  test('implicit TLS (security: tls)', async () => {
    const smtp = await startSmtp({ secure: true, key: tls.key, cert: tls.cert });
    try {
      expect((await send(base(smtp.port, { security: 'tls', tls_insecure: true }))).ok).toBe(true);
      expect(smtp.got.tls).toEqual([true]);
    } finally {
      await smtp.close();
    }
  });

  test('a huge report stays readable and keeps the last log line in both parts', async () => {
    const smtp = await startSmtp({ disabledCommands: ['STARTTLS'] });
    try {
      expect((await send(base(smtp.port), makeHugeReport())).ok).toBe(true);
      const mail = parseMessage(smtp.got.raw[0]);
      for (const part of mail.parts) {
        expect(part.body.length).toBeLessThan(400_000);
        expect(part.body).toContain(LAST_LINE);
      }
    } finally {
      await smtp.close();
    }
  });

  test('an unreachable server is retryable, in plain words', async () => {
    const port = await closedPort();
    const delivery = await send(base(port));
    expect(delivery).toEqual({ ok: false, detail: `connection refused by 127.0.0.1:${port}`, retryable: true });
  });

  test('bad settings are configuration errors', () => {
    const ctx = testContext();
    expect(() => createChannel(base(25, { security: 'ssl' }), ctx))
      .toThrow(/channels\.email\.security: expected one of starttls, tls, none/);
    expect(() => createChannel(base(25, { to: [] }), ctx)).toThrow(/channels\.email\.to/);
    expect(() => createChannel(base(25, { port: 'x' }), ctx)).toThrow(/channels\.email\.port/);
  });
});
