import { describe, expect, test } from '@jest/globals';
import { HEARTBEAT_NAME, MARKER_NAME } from '../../lib/common/paths.js';
import { currentHost, isClaimAbandoned, makeClaimName, parseClaimName } from '../../lib/delivery/claim-name.js';

describe('claim names', () => {
  test('a claim name never matches the marker or heartbeat patterns, and reads back', () => {
    for (const base of ['.train_complete.json', '.train_complete.123_4.json', '.train_running.9.json']) {
      const name = makeClaimName(base);
      expect(MARKER_NAME.test(name)).toBe(false);
      expect(HEARTBEAT_NAME.test(name)).toBe(false);
      expect(parseClaimName(name)).toEqual({ base, host: currentHost(), pid: process.pid });
    }
    expect(parseClaimName('.train_complete.json')).toBeNull();
  });

  test('a claim is abandoned when its pid is dead on this host, or (held elsewhere or stopped) after the timeout by our own clock', () => {
    const dead = { base: '.train_complete.json', host: currentHost(), pid: 2 ** 22 + 12345 };
    expect(isClaimAbandoned(dead, 1000, 1000, 900)).toBe(true);
    const remote = { base: '.train_complete.json', host: 'other-login-node', pid: 1 };
    expect(isClaimAbandoned(remote, 1000, 1000 + 899_000, 900)).toBe(false);
    expect(isClaimAbandoned(remote, 1000, 1000 + 900_000, 900)).toBe(true);
    // Alive and running on this host: it is working on the marker, however long that takes.
    const running = { base: '.train_complete.json', host: currentHost(), pid: process.ppid };
    expect(isClaimAbandoned(running, 0, 10 ** 9, 900)).toBe(false);
    // This process's own claim: abandoned only when it no longer holds it (a failed put-back).
    expect(isClaimAbandoned({ ...running, pid: process.pid }, 0, 10 ** 9, 900)).toBe(false);
    expect(isClaimAbandoned({ ...running, pid: process.pid }, 0, 10 ** 9, 900, '/nowhere/held-by-nobody')).toBe(true);
  });
});
