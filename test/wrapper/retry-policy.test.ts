import { attemptSeparator, nextRetryDelayMs, shouldRetry } from '../../lib/wrapper/retries.js';
import { judgeControlRequest, parseControlRequest } from '../../lib/wrapper/control.js';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
const quick = (start: number) => ({ startedAt: at(start), endedAt: at(start + 5) });
const slow = (start: number) => ({ startedAt: at(start), endedAt: at(start + 600) });

describe('nextRetryDelayMs', () => {
  test('the first wait is the base; each further quick failure in a row doubles it', () => {
    expect(nextRetryDelayMs(30_000, [quick(0)])).toBe(30_000);
    expect(nextRetryDelayMs(30_000, [quick(0), quick(40)])).toBe(60_000);
    expect(nextRetryDelayMs(30_000, [quick(0), quick(40), quick(110)])).toBe(120_000);
  });

  test('a failure after a long run starts over at the base; the wait is capped at an hour', () => {
    expect(nextRetryDelayMs(30_000, [quick(0), quick(40), slow(100)])).toBe(30_000);
    expect(nextRetryDelayMs(30_000, [slow(0), quick(700), quick(800)])).toBe(60_000);
    expect(nextRetryDelayMs(30_000, Array.from({ length: 20 }, (_, i) => quick(i * 10)))).toBe(3_600_000);
    expect(nextRetryDelayMs(0, [quick(0), quick(10)])).toBe(0);
  });
});

describe('shouldRetry', () => {
  const failed = { status: 'failed' as const, exitCode: 1, signal: null };
  test('only a failure on its own, while attempts are left', () => {
    expect(shouldRetry({ result: failed, stopped: false, attempt: 1, maxAttempts: 2 })).toBe(true);
    expect(shouldRetry({ result: { ...failed, exitCode: 139, signal: 'SIGSEGV' }, stopped: false, attempt: 1, maxAttempts: 2 })).toBe(true);
    expect(shouldRetry({ result: failed, stopped: false, attempt: 2, maxAttempts: 2 })).toBe(false);
    expect(shouldRetry({ result: failed, stopped: true, attempt: 1, maxAttempts: 3 })).toBe(false);
    expect(
      shouldRetry({ result: { status: 'success', exitCode: 0, signal: null }, stopped: false, attempt: 1, maxAttempts: 3 }),
    ).toBe(false);
    expect(
      shouldRetry({ result: { status: 'timeout', exitCode: 143, signal: 'SIGTERM' }, stopped: false, attempt: 1, maxAttempts: 3 }),
    ).toBe(false);
    expect(
      shouldRetry({ result: { status: 'terminated', exitCode: 143, signal: 'SIGTERM' }, stopped: false, attempt: 1, maxAttempts: 3 }),
    ).toBe(false);
    expect(shouldRetry({ result: { ...failed, exitCode: 127 }, stopped: false, attempt: 1, maxAttempts: 3 })).toBe(false);
  });
});

test('attemptSeparator', () => {
  expect(attemptSeparator(2, 4, { exit_code: 1, signal: null })).toBe('===== hpc-run: attempt 2 of 4 (previous exit code 1) =====\n');
  expect(attemptSeparator(3, 4, { exit_code: 139, signal: 'SIGSEGV' })).toBe(
    '===== hpc-run: attempt 3 of 4 (previous exit code 139, SIGSEGV) =====\n',
  );
});

describe('control requests', () => {
  const good = { schema: 1, run_id: 'r1', signal: 'TERM', reason: null, by: 'a@b', at: '2026-01-01T00:00:10.500Z', nonce: 'n1' };
  test('parse: a good request, and each broken field named by code E_CORRUPT', () => {
    expect(parseControlRequest(JSON.stringify(good), 'f')).toEqual(good);
    for (const bad of [
      { ...good, schema: 2 }, { ...good, signal: 'KILL' }, { ...good, nonce: '' }, { ...good, at: 'yesterday' }, { ...good, run_id: 7 },
    ]) {
      expect(() => parseControlRequest(JSON.stringify(bad), 'f')).toThrow(expect.objectContaining({ code: 'E_CORRUPT' }));
    }
    expect(() => parseControlRequest('{', 'f')).toThrow(expect.objectContaining({ code: 'E_CORRUPT' }));
  });

  test('judge: another run id or a stale one is not for this run; a stop in the start second is', () => {
    const request = parseControlRequest(JSON.stringify(good), 'f');
    expect(judgeControlRequest(request, 'r1', at(10))).toBeNull();
    expect(judgeControlRequest({ ...request, at: '2026-01-01T00:00:10Z' }, 'r1', new Date(at(10).getTime() + 900))).toBeNull();
    expect(judgeControlRequest(request, 'r2', at(0))).toMatch(/for run r1, this is run r2/);
    expect(judgeControlRequest({ ...request, run_id: null }, null, at(0))).toBeNull();
    expect(judgeControlRequest(request, 'r1', at(11))).toMatch(/stale/);
  });
});
