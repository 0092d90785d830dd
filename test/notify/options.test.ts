import { describe, expect, test } from '@jest/globals';
import { ConfigError } from '../../lib/common/errors.js';
import { channelRedactor, keepHead, keepTail, readBaseUrl, readHeaders, readTimeoutMs } from '../../lib/notify/options.js';
import { CHANNEL_TIMEOUT_S } from '../../lib/notify/settings.js';
import type { ChannelSettings } from '../../lib/notify/types.js';
import { channelConfig, checkedConfig, testContext } from './channel-context.js';

// A channel that sends somewhere: its timeout gets the default.
const SPEC: ChannelSettings = { required: [], secretKeys: [], keys: ['url', 'headers'], url: { key: 'url', fallback: '' } };
const check = (settings: Record<string, unknown>) => checkedConfig(SPEC, channelConfig('x', settings));
const codeOf = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (error) {
    return { code: (error as ConfigError).code, key: (error as ConfigError).key };
  }
  return 'no error';
};

describe('the one check of common channel settings, and the readers after it', () => {
  test('timeouts: timeout_s, the seed\'s timeout, units, one default of 10 s, and a named error', () => {
    expect(readTimeoutMs(check({}))).toBe(CHANNEL_TIMEOUT_S * 1000);
    expect(CHANNEL_TIMEOUT_S).toBe(10);
    expect(readTimeoutMs(check({ timeout_s: '1m' }))).toBe(60_000);
    expect(readTimeoutMs(check({ timeout: 8 }))).toBe(8_000);
    expect(check({ timeout: 8 })).not.toHaveProperty('timeout');
    expect(codeOf(() => check({ timeout_s: 'soon' }))).toEqual({ code: 'E_CONFIG', key: 'channels.x.timeout_s' });
    expect(codeOf(() => check({ timeout_s: -1 }))).toEqual({ code: 'E_CONFIG', key: 'channels.x.timeout_s' });
    expect(codeOf(() => check({ timeout: '2 weeks' }))).toEqual({ code: 'E_CONFIG', key: 'channels.x.timeout' });
  });

  test('a channel that sends nowhere gets no timeout', () => {
    expect(checkedConfig({ required: [], secretKeys: [], keys: [] }, channelConfig('x', {}))).toEqual({ type: 'x', name: 'x' });
  });

  test('headers must be a map of text', () => {
    expect(readHeaders(check({ headers: { A: 'b', N: 1 } }))).toEqual({ A: 'b', N: '1' });
    expect(codeOf(() => check({ headers: ['a'] }))).toEqual({ code: 'E_CONFIG', key: 'channels.x.headers' });
    expect(codeOf(() => check({ headers: { A: { b: 1 } } }))).toEqual({ code: 'E_CONFIG', key: 'channels.x.headers.A' });
  });

  test('the URL setting must be http(s); the reader gives it without a trailing slash, or the default', () => {
    expect(codeOf(() => check({ url: 'ftp://host/x' }))).toEqual({ code: 'E_CONFIG', key: 'channels.x.url' });
    expect(readBaseUrl(check({ url: 'https://host/x/' }), SPEC)).toBe('https://host/x');
    const withDefault: ChannelSettings = { ...SPEC, url: { key: 'server', fallback: 'https://default.example/' } };
    expect(readBaseUrl(checkedConfig(withDefault, channelConfig('x', {})), withDefault)).toBe('https://default.example');
  });

  test('cuts keep the tail or the head without splitting an emoji', () => {
    expect(keepTail('abcdef', 4)).toBe('…def');
    expect(keepHead('abcdef', 4)).toBe('abc…');
    expect(keepTail('ab😀cd', 4)).toBe('…cd');
    expect(keepHead('ab😀cd', 4)).toBe('ab…');
    expect(keepTail('short', 10)).toBe('short');
  });

  test('a channel redactor removes its own secrets, also URL-encoded, besides the context\'s', () => {
    const redact = channelRedactor(testContext(['ctx-secret']), ['tok/en+1', undefined, 'ab']);
    expect(redact('ctx-secret tok/en+1 tok%2Fen%2B1 ab')).toBe('*** *** *** ab');
  });
});
