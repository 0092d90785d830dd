import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { describeRetry, retryTime } from '../../lib/delivery/schedule.js';
import { useReceiver } from '../helpers/http-receiver.js';
import { waitFor } from '../helpers/run-bin.js';
import { makeMonitorSandbox, type MonitorSandbox } from '../monitor/sandbox.js';

let box: MonitorSandbox;
const hook = useReceiver(() => ({ status: 200, body: {} }));
beforeEach(() => {
  box = makeMonitorSandbox();
});
afterEach(() => box.cleanup());

const settings = { interval_s: 60, stale_after_s: 600, claim_timeout_s: 900, retry_base_s: 30, retry_max_s: 1800 };

describe('retry times are durations from the reader\'s own clock', () => {
  test('a stored time within the backoff is kept; one beyond it is clamped to retry_max from now', () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    expect(retryTime(undefined, now, settings)).toEqual({ atMs: 0, clamped: false });
    const soon = { delivered: [], attempts: 1, last_error: 'x', next_attempt_at: new Date(now + 30_000).toISOString(), retry_after_s: 30 };
    expect(retryTime(soon, now, settings)).toEqual({ atMs: now + 30_000, clamped: false });
    const yearAhead = { ...soon, next_attempt_at: new Date(now + 365 * 86_400_000).toISOString(), retry_after_s: undefined };
    expect(retryTime(yearAhead, now, settings)).toEqual({ atMs: now + 1_800_000, clamped: true });
  });

  test('shown relative and in local time', () => {
    const now = new Date(2026, 0, 1, 14, 9, 0).getTime();
    expect(describeRetry(now + 27_000, now)).toBe('next try in 27 s, at 14:09:27');
    expect(describeRetry(now + 90_000, now)).toBe('next try in 1m 30s, at 14:10:30');
    expect(describeRetry(now + 86_400_000, now)).toBe('next try in 24h 00m 00s, at 2026-01-02 14:09:00');
  });

  test('issue 13 case 8: a retry time written by a clock a year ahead waits at most retry_max, then is delivered', async () => {
    box.writeConfig(
      `notification:\n  channels:\n    - {type: webhook, url: "${hook.url}/hook"}\nmonitor:\n  retry_base: 1\n  retry_max: 2\n`,
    );
    const ahead = new Date(Date.now() + 365 * 86_400_000).toISOString();
    const path = box.writeMarker('clock1', {
      delivery: { delivered: [], attempts: 3, next_attempt_at: ahead, last_error: 'webhook: HTTP 500' },
    });
    const args = ['--once', '--work-dir', box.workDir, '--config', box.configPath];
    const first = await box.monitor(args);
    expect(first.code).toBe(1);
    // Both times read relative and local, never the stored UTC string.
    expect(first.stderr).toMatch(/retry time \(in [^,]+, at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\) lies beyond the backoff/);
    expect(first.stderr).toMatch(/beyond the backoff .*next try in 2 s, at \d\d:\d\d:\d\d/);
    expect(first.stderr).not.toContain(ahead);
    expect(Date.parse(JSON.parse(readFileSync(path, 'utf8')).delivery.next_attempt_at)).toBeLessThan(Date.now() + 10_000);
    await waitFor(async () => {
      await box.monitor(args);
      return hook.requests.length === 1;
    }, 30000, 500);
    expect(box.trainFiles()).toEqual([]);
  });
});
