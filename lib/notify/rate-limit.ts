/**
 * Per-robot send limits (DingTalk and WeCom robots: at most 20 messages in any minute). A report is never
 * dropped: a send that would exceed the limit waits until the oldest send of the window has aged out.
 *
 * The record of recent sends lives in this process's memory only. Two monitors (a `screen` one and a cron
 * one) do not share it; each keeps its own count, so together they can exceed the limit. The service then
 * answers with its "too fast" code, which the channel reports as retryable and the monitor retries later.
 */

/** How many sends a window allows, and how long the window is. */
export interface RateLimit {
  limit: number;
  windowMs: number;
}

/** The robots' documented limit: 20 messages a minute. */
export const ROBOT_LIMIT: RateLimit = { limit: 20, windowMs: 60_000 };

/**
 * Milliseconds to wait before the next send, given the times of earlier sends (any order) and now.
 * Zero when fewer than `limit` sends fall inside the window ending now.
 */
export function computeWait(sendTimes: readonly number[], now: number, rate: RateLimit = ROBOT_LIMIT): number {
  if (rate.limit < 1) return 0;
  const recent = sendTimes.filter((t) => t > now - rate.windowMs).sort((a, b) => a - b);
  if (recent.length < rate.limit) return 0;
  // The send that must leave the window: with `limit` sends inside it, the next one may go when the
  // (length - limit + 1)-th most recent one is a full window old.
  const blocking = recent[recent.length - rate.limit];
  return Math.max(0, blocking + rate.windowMs - now);
}

/** Drops send times that can no longer affect a wait, so the record stays small. */
export function pruneSendTimes(sendTimes: readonly number[], now: number, rate: RateLimit = ROBOT_LIMIT): number[] {
  return sendTimes.filter((t) => t > now - rate.windowMs);
}

export interface RateLimiterOptions extends Partial<RateLimit> {
  /** Clock, injectable for tests. */
  now?: () => number;
  /** Waits the given milliseconds, injectable for tests. */
  sleep?: (ms: number) => Promise<void>;
}

export interface RateLimiter {
  /** Resolves when a send for `key` may go, and records it; sends for one key go strictly one after another. */
  acquire(key: string): Promise<void>;
  /** The recorded send times of a key (for tests and diagnostics). */
  history(key: string): number[];
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A limiter keeping each key's recent send times in memory; concurrent acquires for one key queue up. */
export function createRateLimiter(options: RateLimiterOptions = {}): RateLimiter {
  const rate: RateLimit = { limit: options.limit ?? ROBOT_LIMIT.limit, windowMs: options.windowMs ?? ROBOT_LIMIT.windowMs };
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const times = new Map<string, number[]>();
  const queues = new Map<string, Promise<void>>();

  // Waits as long as the window demands (re-checking after each sleep), then records the send.
  const take = async (key: string): Promise<void> => {
    for (;;) {
      const recorded = pruneSendTimes(times.get(key) ?? [], now(), rate);
      times.set(key, recorded);
      const wait = computeWait(recorded, now(), rate);
      if (wait <= 0) break;
      await sleep(wait);
    }
    times.get(key)?.push(now());
  };

  return {
    acquire(key) {
      const previous = queues.get(key) ?? Promise.resolve();
      const turn = previous.then(() => take(key));
      // The queue continues even if a waiter's promise is abandoned; it never rejects.
      queues.set(key, turn.catch(() => undefined));
      return turn;
    },
    history: (key) => [...(times.get(key) ?? [])],
  };
}

/** The limiter every robot channel of this process shares (key: channel type + token). */
export const robotLimiter: RateLimiter = createRateLimiter();

/** The key of one robot: its type and its token, so two channels posting to one robot share a count. */
export function robotKey(type: string, token: string): string {
  return `${type}:${token}`;
}
