import { describeAttempts, summarizeAttempts } from '../../lib/common/attempts.js';

const attempt = (n: number, code: number) => ({ attempt: n, started_at: 't', ended_at: 't', exit_code: code, signal: null });

describe('describeAttempts (the report phrase for runs with --retries)', () => {
  test('succeeded after failures', () => {
    const marker = { status: 'success', max_attempts: 4, attempts: [attempt(1, 1), attempt(2, 1), attempt(3, 0)] };
    expect(describeAttempts(marker)).toBe('succeeded on attempt 3 of 4');
    expect(summarizeAttempts(marker)).toEqual({ kind: 'succeeded_on', attempt: 3, of: 4 });
  });

  test('failed every time', () => {
    const attempts = [1, 2, 3, 4].map((n) => attempt(n, 2));
    expect(describeAttempts({ status: 'failed', max_attempts: 4, attempts })).toBe('failed 4 times');
  });

  test('stopped on a later attempt; no max_attempts falls back to the attempts seen', () => {
    expect(describeAttempts({ status: 'terminated', attempts: [attempt(1, 1), attempt(2, 143)] })).toBe('ended on attempt 2 of 2');
  });

  test('nothing to say for one attempt or none', () => {
    expect(describeAttempts({ status: 'success', max_attempts: 4, attempts: [attempt(1, 0)] })).toBeNull();
    expect(describeAttempts({ status: 'failed' })).toBeNull();
  });
});
