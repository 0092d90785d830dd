import { describe, expect, test } from '@jest/globals';
import { describeNetworkError, networkReason } from '../../lib/notify/network-error.js';

// Error chains as each Node line hands them to a client (shapes taken from got on Node 20.20, 22.23 and 24.22).
const sysError = (code: string, extra: Record<string, unknown> = {}, message = `${code} something`) =>
  Object.assign(new Error(message), { code, ...extra });
const gotError = (cause: Error & { code?: string }, name = 'RequestError') =>
  Object.assign(new Error(cause.message, { cause }), { name, code: cause.code });
const refusal = (address: string, port: number) =>
  sysError('ECONNREFUSED', { address, port, syscall: 'connect' }, `connect ECONNREFUSED ${address}:${port}`);
const closedBeforeConnect = (cause?: unknown) =>
  Object.assign(new Error('Socket closed before the connection was established', cause === undefined ? undefined : { cause }), {
    code: 'ERR_SOCKET_CLOSED_BEFORE_CONNECTION',
  });

const URL_LOCAL = 'http://127.0.0.1:4001/hook/secret-path';
const say = (error: unknown, earlier: unknown[] = [], url = URL_LOCAL) => describeNetworkError(error, url, 10_000, earlier);

describe('one phrase for a refused connection on every Node line', () => {
  test('Node 20 and 22: a RequestError with the system error as its cause', () => {
    expect(say(gotError(refusal('127.0.0.1', 4001)))).toBe('connection refused by 127.0.0.1:4001');
  });

  test('Node 20+ trying several addresses: an AggregateError of refusals', () => {
    const aggregate = Object.assign(new AggregateError([refusal('::1', 4001), refusal('127.0.0.1', 4001)], ''), { code: 'ECONNREFUSED' });
    expect(say(gotError(aggregate as Error & { code: string }), [], 'http://localhost:4001/x')).toBe('connection refused by localhost:4001');
    const mixed = new AggregateError([sysError('ENETUNREACH'), refusal('127.0.0.1', 4001)], '');
    expect(say(mixed)).toBe('connection refused by 127.0.0.1:4001');
  });

  test('Node 24: ERR_SOCKET_CLOSED_BEFORE_CONNECTION with the refusal as its cause', () => {
    expect(say(closedBeforeConnect(refusal('127.0.0.1', 4001)))).toBe('connection refused by 127.0.0.1:4001');
    const both = new AggregateError([refusal('::1', 4001), refusal('127.0.0.1', 4001)]);
    expect(say(closedBeforeConnect(both))).toBe('connection refused by 127.0.0.1:4001');
  });

  test('Node 24.20+: the generic error alone, the refusal only in an earlier attempt', () => {
    expect(say(closedBeforeConnect(), [gotError(refusal('127.0.0.1', 4001))])).toBe('connection refused by 127.0.0.1:4001');
    expect(say(closedBeforeConnect())).toBe('could not connect to 127.0.0.1:4001 (closed before connecting)');
  });

  test('an SMTP library that only writes the code in its message', () => {
    expect(say(sysError('ESOCKET', {}, 'connect ECONNREFUSED 127.0.0.1:2525'), [], 'smtp://127.0.0.1:2525')).toBe('connection refused by 127.0.0.1:2525');
  });
});

describe('host not found, TLS failure, timeout and the rest', () => {
  test('an unknown host (and a lookup that could not finish) names host and port', () => {
    const notFound = sysError(
      'ENOTFOUND',
      { hostname: 'no-such-host.invalid', syscall: 'getaddrinfo' },
      'getaddrinfo ENOTFOUND no-such-host.invalid',
    );
    expect(say(gotError(notFound), [], 'https://no-such-host.invalid/x')).toBe('host not found: no-such-host.invalid:443');
    expect(say(gotError(sysError('EAI_AGAIN')), [], 'https://api.example.org/x')).toBe('host not found: api.example.org:443');
  });

  test('TLS failures say what is wrong with the certificate', () => {
    const tls = (code: string, message: string) => say(gotError(sysError(code, {}, message)), [], 'https://hooks.example.com/x');
    expect(tls('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'))
      .toBe('TLS failure with hooks.example.com:443: certificate not trusted (self-signed)');
    expect(tls('SELF_SIGNED_CERT_IN_CHAIN', 'self signed certificate in certificate chain'))
      .toBe('TLS failure with hooks.example.com:443: certificate not trusted (self-signed)');
    expect(tls('UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'unable to get local issuer certificate'))
      .toBe('TLS failure with hooks.example.com:443: certificate not trusted (unknown issuer)');
    expect(tls('CERT_HAS_EXPIRED', 'certificate has expired')).toBe('TLS failure with hooks.example.com:443: certificate expired');
    expect(tls('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames"))
      .toBe('TLS failure with hooks.example.com:443: certificate does not name hooks.example.com');
    expect(tls('EPROTO', 'write EPROTO 40E8:error:0A00010B:SSL routines:ssl3_get_record:wrong version number'))
      .toBe('TLS failure with hooks.example.com:443: the server does not speak TLS on that port');
  });

  test('timeouts: got\'s own, and a socket connection timeout', () => {
    const timeout = Object.assign(new Error("Timeout awaiting 'request' for 300ms"), { name: 'TimeoutError', code: 'ETIMEDOUT' });
    expect(describeNetworkError(timeout, URL_LOCAL, 300)).toBe('timed out after 0.3 s (127.0.0.1:4001)');
    expect(describeNetworkError(sysError('ERR_SOCKET_CONNECTION_TIMEOUT'), URL_LOCAL, 10_000))
      .toBe('timed out after 10 s (127.0.0.1:4001)');
  });

  test('reset, unreachable, and an unknown error without its code', () => {
    expect(say(gotError(sysError('ECONNRESET')))).toBe('connection reset by 127.0.0.1:4001');
    expect(say(gotError(sysError('EHOSTUNREACH')))).toBe('network unreachable: 127.0.0.1:4001');
    expect(say(sysError('ERR_STRANGE_THING', {}, 'Error [ERR_STRANGE_THING]: something odd')))
      .toBe('network error with 127.0.0.1:4001: something odd');
  });

  test('no phrase carries a raw error code or the URL path', () => {
    const errors = [
      gotError(refusal('127.0.0.1', 4001)), closedBeforeConnect(), gotError(sysError('ENOTFOUND')),
      gotError(sysError('CERT_HAS_EXPIRED', {}, 'certificate has expired')),
      sysError('ETIMEDOUT'), sysError('EPIPE'), sysError('ENETUNREACH'), sysError('ERR_X', {}, 'ERR_X: odd'),
    ];
    for (const error of errors) {
      const text = say(error);
      expect(text).not.toMatch(/\bE[A-Z_]{3,}\b|ERR_|secret-path/);
      expect(text).toContain('127.0.0.1:4001');
    }
  });

  test('the reason class of a chain', () => {
    expect(networkReason(closedBeforeConnect(refusal('127.0.0.1', 1)))).toBe('refused');
    expect(networkReason(closedBeforeConnect())).toBe('closed');
    expect(networkReason(new Error('plain'))).toBe('other');
  });
});
