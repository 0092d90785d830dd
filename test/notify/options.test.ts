import { describe, expect, test } from '@jest/globals';
import { ConfigError } from '../../lib/common/errors.js';
import { channelRedactor, keepHead, keepTail, readHeaders, readTimeoutMs } from '../../lib/notify/options.js';
import { channelConfig, testContext } from './channel-context.js';

describe('channel option readers', () => {
  test('timeouts: timeout_s, the seed\'s timeout, units, default 10 s, and a named error', () => {
    expect(readTimeoutMs(channelConfig('x', {}))).toBe(10_000);
    expect(readTimeoutMs(channelConfig('x', { timeout_s: '1m' }))).toBe(60_000);
    expect(readTimeoutMs(channelConfig('x', { timeout: 8 }))).toBe(8_000);
    expect(() => readTimeoutMs(channelConfig('x', { timeout_s: 'soon' }))).toThrow(ConfigError);
    expect(() => readTimeoutMs(channelConfig('x', { timeout_s: -1 }))).toThrow(/channels\.x\.timeout_s/);
  });

  test('headers must be a map of text', () => {
    expect(readHeaders(channelConfig('x', { headers: { A: 'b', N: 1 } }))).toEqual({ A: 'b', N: '1' });
    expect(() => readHeaders(channelConfig('x', { headers: ['a'] }))).toThrow(/channels\.x\.headers/);
    expect(() => readHeaders(channelConfig('x', { headers: { A: { b: 1 } } }))).toThrow(/channels\.x\.headers\.A/);
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
