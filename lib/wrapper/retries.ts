import type { AttemptRecord } from '../common/marker.js';
import type { Classification } from './status.js';

/** A failure this soon after its attempt started counts as quick: the next wait doubles. */
export const QUICK_FAILURE_MS = 60_000;
/** The wait before a retry never grows beyond this (unless --retry-delay itself is longer). */
export const MAX_RETRY_DELAY_MS = 3_600_000;

/** One finished attempt, as the retry policy sees it. */
export interface AttemptTiming {
  startedAt: Date;
  endedAt: Date;
}

/**
 * Pure: the wait before the next attempt. The first wait is `baseMs`; each further failure in an unbroken row of
 * quick failures doubles it (30 s, 60 s, 120 s …, at most an hour); a failure after a longer run starts over at
 * `baseMs`.
 */
export function nextRetryDelayMs(baseMs: number, finished: readonly AttemptTiming[]): number {
  let quickRow = 0;
  for (let i = finished.length - 1; i >= 0; i -= 1) {
    if (finished[i].endedAt.getTime() - finished[i].startedAt.getTime() >= QUICK_FAILURE_MS) break;
    quickRow += 1;
  }
  if (quickRow <= 1) return baseMs;
  return Math.max(baseMs, Math.min(baseMs * 2 ** (quickRow - 1), MAX_RETRY_DELAY_MS));
}

/**
 * Pure: whether an attempt that ended so is started again. Only a failure of the command on its own is: not a
 * success, a stop (control file or signal from outside), a timeout, nor a command that cannot start at all
 * (126/127, which a retry does not mend); and only while attempts are left.
 */
export function shouldRetry(input: { result: Classification; stopped: boolean; attempt: number; maxAttempts: number }): boolean {
  const { result } = input;
  if (input.stopped || result.status !== 'failed' || input.attempt >= input.maxAttempts) return false;
  return result.exitCode !== 126 && result.exitCode !== 127;
}

/** The line between two attempts in the log (and the job's output). */
export function attemptSeparator(attempt: number, maxAttempts: number, previous: Pick<AttemptRecord, 'exit_code' | 'signal'>): string {
  const how = previous.signal ? `previous exit code ${previous.exit_code}, ${previous.signal}` : `previous exit code ${previous.exit_code}`;
  return `===== hpc-run: attempt ${attempt} of ${maxAttempts} (${how}) =====\n`;
}

/** A wait that a stop (signal or control file) cuts short: `wait` resolves true when it ran out, false when cut. */
export function createInterruptibleWait() {
  let cut: (() => void) | null = null;
  let interrupted = false;
  return {
    wait(ms: number): Promise<boolean> {
      if (interrupted) return Promise.resolve(false);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          cut = null;
          resolve(true);
        }, ms);
        cut = () => {
          clearTimeout(timer);
          cut = null;
          resolve(false);
        };
      });
    },
    /** Ends the wait in progress (and any later one) at once. */
    interrupt(): void {
      interrupted = true;
      cut?.();
    },
  };
}
