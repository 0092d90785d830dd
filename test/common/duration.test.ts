import { parseDuration, formatDuration } from '../../lib/common/duration.js';
import { UsageError } from '../../lib/common/errors.js';

describe('durations', () => {
  test('seconds and units', () => {
    expect(parseDuration('90', '--x')).toBe(90);
    expect(parseDuration('10m', '--x')).toBe(600);
    expect(parseDuration('1.5h', '--x')).toBe(5400);
    expect(parseDuration(30, '--x')).toBe(30);
  });
  test('bad values name the flag', () => {
    for (const bad of ['0', '-5', 'abc', '', '10d']) {
      expect(() => parseDuration(bad, '--interval')).toThrow(UsageError);
    }
    expect(() => parseDuration('x', '--interval')).toThrow(/--interval/);
  });
  test('formatting', () => {
    expect(formatDuration(3606.2)).toBe('1h 00m 06s');
    expect(formatDuration(65)).toBe('1m 05s');
  });
});
