import { describe, expect, test } from '@jest/globals';
import { nextDeliveryState } from '../../lib/delivery/record.js';

const settings = { interval_s: 60, stale_after_s: 600, claim_timeout_s: 900, retry_base_s: 30, retry_max_s: 1800 };

describe('delivery state', () => {
  test('keeps channels that succeeded, counts attempts and backs off exponentially up to the cap', () => {
    const now = Date.parse('2024-01-01T00:00:00Z');
    const first = nextDeliveryState(undefined, ['webhook'], ['xxtui: HTTP 500'], now, settings);
    expect(first).toMatchObject({ delivered: ['webhook'], attempts: 1, last_error: 'xxtui: HTTP 500' });
    expect(Date.parse(first.next_attempt_at!) - now).toBe(30_000);
    const second = nextDeliveryState(first, [], ['xxtui: code 1'], now, settings);
    expect(second.delivered).toEqual(['webhook']);
    expect(second.attempts).toBe(2);
    expect(Date.parse(second.next_attempt_at!) - now).toBe(60_000);
    const late = nextDeliveryState({ ...second, attempts: 20 }, [], ['x'], now, settings);
    expect(Date.parse(late.next_attempt_at!) - now).toBe(1_800_000);
  });
});
