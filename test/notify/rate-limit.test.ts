import { computeWait, createRateLimiter, pruneSendTimes, robotKey, ROBOT_LIMIT } from '../../lib/notify/rate-limit.js';

// A fake clock: sleeping advances it, so the limiter's waits are observed without real waiting.
function fakeClock(start = 1_000_000) {
  let t = start;
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
    },
    advance: (ms: number) => {
      t += ms;
    },
    sleeps,
  };
}

describe('computeWait (pure)', () => {
  test('no wait below the limit', () => {
    const now = 100_000;
    expect(computeWait([], now)).toBe(0);
    expect(computeWait(Array.from({ length: 19 }, (_, i) => now - i * 10), now)).toBe(0);
  });

  test('the 21st send in a minute waits until the oldest is a minute old', () => {
    const now = 100_000;
    const times = Array.from({ length: 20 }, (_, i) => now - 30_000 + i * 1000); // 20 sends in the last 30 s
    expect(computeWait(times, now)).toBe(30_000);
  });

  test('sends older than the window do not count; order does not matter', () => {
    const now = 200_000;
    const old = Array.from({ length: 50 }, (_, i) => now - 60_000 - i);
    const recent = [now - 10, now - 59_999, now - 5];
    expect(computeWait([...recent, ...old].reverse(), now)).toBe(0);
    expect(pruneSendTimes([...old, ...recent], now)).toEqual(recent);
  });

  test('with more than the limit recorded, the wait frees exactly one slot', () => {
    const now = 100_000;
    // 25 sends inside the window (possible when two processes share a robot): wait for the 6th oldest to age out.
    const times = Array.from({ length: 25 }, (_, i) => now - 50_000 + i * 100);
    expect(computeWait(times, now)).toBe(times[5] + 60_000 - now);
  });

  test('other limits', () => {
    expect(computeWait([0, 1, 2], 3, { limit: 3, windowMs: 10 })).toBe(7);
    expect(computeWait([0, 1, 2], 3, { limit: 0, windowMs: 10 })).toBe(0);
    expect(ROBOT_LIMIT).toEqual({ limit: 20, windowMs: 60_000 });
  });
});

describe('createRateLimiter (fake clock)', () => {
  test('45 sends to one robot: at most 20 in any 60 s window, none dropped', async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ now: clock.now, sleep: clock.sleep });
    const key = robotKey('dingtalk', 'tok');
    const sent: number[] = [];
    for (let i = 0; i < 45; i++) {
      await limiter.acquire(key);
      sent.push(clock.now());
      clock.advance(100); // each send takes 100 ms
    }
    expect(sent).toHaveLength(45);
    for (let i = 20; i < sent.length; i++) expect(sent[i] - sent[i - 20]).toBeGreaterThanOrEqual(60_000);
    // The first 20 go at once (100 ms apart); the 21st waits for the first to be a minute old.
    expect(sent[20] - sent[0]).toBe(60_000);
    expect(sent[19] - sent[0]).toBe(1900);
  });

  test('45 concurrent sends all go through, spaced by waiting', async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ now: clock.now, sleep: clock.sleep });
    await Promise.all(Array.from({ length: 45 }, () => limiter.acquire('dingtalk:tok')));
    // 20 at once, 20 a minute later, 5 another minute later.
    expect(clock.sleeps).toEqual([60_000, 60_000]);
  });

  test('robots are limited separately', async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ now: clock.now, sleep: clock.sleep });
    for (let i = 0; i < 20; i++) await limiter.acquire(robotKey('wecom', 'a'));
    await limiter.acquire(robotKey('wecom', 'b'));
    await limiter.acquire(robotKey('dingtalk', 'a'));
    expect(clock.sleeps).toEqual([]);
    await limiter.acquire(robotKey('wecom', 'a'));
    expect(clock.sleeps).toEqual([60_000]);
    expect(limiter.history(robotKey('wecom', 'a'))).toHaveLength(1);
  });

  test('concurrent acquires queue in order', async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ limit: 2, windowMs: 1000, now: clock.now, sleep: clock.sleep });
    const order: number[] = [];
    await Promise.all([0, 1, 2, 3, 4].map((i) => limiter.acquire('k').then(() => order.push(i))));
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(clock.sleeps).toEqual([1000, 1000]);
  });

  test('the real clock: below the limit nothing waits', async () => {
    const limiter = createRateLimiter({ limit: 3, windowMs: 60_000 });
    await limiter.acquire('x');
    await limiter.acquire('x');
    expect(limiter.history('x')).toHaveLength(2);
  });
});
