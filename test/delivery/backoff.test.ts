import { describe, expect, test } from '@jest/globals';
import { retryDelay } from '../../lib/delivery/backoff.js';

describe('retryDelay', () => {
  test('doubles from the base and stops at the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => retryDelay(n, 30, 900))).toEqual([30, 60, 120, 240, 480, 900, 900]);
  });
  test('huge attempt numbers stay at the cap, never Infinity or NaN', () => {
    expect(retryDelay(10_000, 30, 3600)).toBe(3600);
  });
  test('no delay before the first attempt; the cap wins over the base', () => {
    expect(retryDelay(0, 30, 900)).toBe(0);
    expect(retryDelay(3, 60, 10)).toBe(10);
  });
});
