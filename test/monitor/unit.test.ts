import { describe, expect, test } from '@jest/globals';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isClaimAbandoned, makeClaimName, parseClaimName, currentHost } from '../../lib/monitor/claim.js';
import { groupForDigest, type Candidate } from '../../lib/monitor/digest-group.js';
import { nextDeliveryState } from '../../lib/monitor/delivery.js';
import { observe } from '../../lib/monitor/observe.js';
import { moveNoClobber, moveToBad, releaseClaimTo } from '../../lib/monitor/move.js';
import { scanTargets } from '../../lib/monitor/scan.js';
import { HEARTBEAT_NAME, MARKER_NAME } from '../../lib/common/paths.js';
import { makeTempDir } from '../helpers/run-bin.js';
import { makeMarker } from './sandbox.js';

const settings = { interval_s: 60, stale_after_s: 600, claim_timeout_s: 900, retry_base_s: 30, retry_max_s: 1800 };

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

  test('a claim is abandoned when its pid is dead on this host, or after the timeout by our own clock', () => {
    const dead = { base: '.train_complete.json', host: currentHost(), pid: 2 ** 22 + 12345 };
    expect(isClaimAbandoned(dead, 1000, 1000, 900)).toBe(true);
    const alive = { base: '.train_complete.json', host: currentHost(), pid: process.ppid };
    expect(isClaimAbandoned(alive, 1000, 1000 + 899_000, 900)).toBe(false);
    expect(isClaimAbandoned(alive, 1000, 1000 + 900_000, 900)).toBe(true);
    const remote = { base: '.train_complete.json', host: 'other-login-node', pid: 1 };
    expect(isClaimAbandoned(remote, 0, 10_000, 900)).toBe(false);
    expect(isClaimAbandoned({ ...alive, pid: process.pid }, 0, 10 ** 9, 900)).toBe(false);
  });
});

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

describe('digest grouping', () => {
  const task = (array: string | null, id: string, delivered?: string[]): Candidate => ({
    markerPath: `/w/.train_complete.${id}.json`,
    workDir: '/w',
    marker: makeMarker('/w', id, {
      slurm: array ? { job_id: id, array_job_id: array, array_task_id: id, job_name: 'a', partition: null, nodelist: null, restart_count: 0 } : null,
      ...(delivered ? { delivery: { delivered, attempts: 1, next_attempt_at: null, last_error: null } } : {}),
    }),
  });

  test('min_batch tasks of one array job make one digest; fewer go one by one; plain runs always alone', () => {
    const many = ['1', '2', '3', '4', '5'].map((i) => task('100', i));
    const few = ['1', '2'].map((i) => task('200', i));
    const { digests, singles } = groupForDigest([...many, ...few, task(null, 'x')], 5);
    expect(digests).toHaveLength(1);
    expect(digests[0].arrayJobId).toBe('100');
    expect(digests[0].members).toHaveLength(5);
    expect(singles).toHaveLength(3);
  });

  test('tasks that already reached different channels are never mixed in one digest', () => {
    const fresh = ['1', '2', '3'].map((i) => task('100', i));
    const half = ['4', '5', '6'].map((i) => task('100', i, ['webhook']));
    const { digests, singles } = groupForDigest([...fresh, ...half], 3);
    expect(digests.map((d) => d.members.length)).toEqual([3, 3]);
    expect(singles).toHaveLength(0);
  });
});

describe('heartbeat observation', () => {
  test('a seq that stops changing goes stale by the observer clock; a change restarts it; vanished files are forgotten', () => {
    const state = { schema: 1 as const, heartbeats: {}, claims: {} };
    const dirs = new Set(['/w']);
    const input = (seq: number, nowMs: number) => ({ heartbeats: [{ path: '/w/.train_running.json', seq }], claims: [], scannedDirs: dirs, nowMs, staleAfterS: 10 });
    expect(observe(state, input(1, 0)).stale).toEqual([]);
    expect(observe(state, input(1, 9_000)).stale).toEqual([]);
    expect(observe(state, input(1, 10_000)).stale).toEqual([{ path: '/w/.train_running.json', silentS: 10, notedRunning: false }]);
    expect(observe(state, input(2, 11_000)).stale).toEqual([]);
    expect(observe(state, input(2, 20_000)).stale).toEqual([]);
    observe(state, { heartbeats: [], claims: [], scannedDirs: dirs, nowMs: 30_000, staleAfterS: 10 });
    expect(state.heartbeats).toEqual({});
  });
});

describe('files', () => {
  test('moveNoClobber never replaces, releaseClaimTo keeps both markers, moveToBad numbers the second .bad', async () => {
    const { dir, cleanup } = makeTempDir();
    try {
      const p = (n: string) => join(dir, n);
      writeFileSync(p('a'), 'a');
      writeFileSync(p('b'), 'b');
      expect(await moveNoClobber(p('a'), p('b'))).toBe(false);
      expect(await moveNoClobber(p('a'), p('c'))).toBe(true);
      writeFileSync(p('.train_complete.json'), 'new run');
      writeFileSync(p('claimed'), 'old run');
      const back = await releaseClaimTo(p('claimed'), p('.train_complete.json'));
      expect(MARKER_NAME.test(back.slice(dir.length + 1))).toBe(true);
      expect(back).not.toBe(p('.train_complete.json'));
      writeFileSync(p('x1'), '{');
      writeFileSync(p('x2'), '{');
      expect(await moveToBad(p('x1'), p('.train_complete.9.json'))).toBe(p('.train_complete.9.json.bad'));
      expect(await moveToBad(p('x2'), p('.train_complete.9.json'))).toBe(p('.train_complete.9.json.2.bad'));
      expect(readdirSync(dir).sort()).toContain('.train_complete.9.json.2.bad');
    } finally {
      cleanup();
    }
  });

  test('one scan sorts markers, heartbeats and claims, and reports missing dirs', async () => {
    const { dir, cleanup } = makeTempDir();
    try {
      mkdirSync(join(dir, 'w'));
      for (const n of ['.train_complete.1.json', '.train_running.2.json', makeClaimName('.train_complete.3.json'), '.train_complete.4.json.bad', 'other.json']) {
        writeFileSync(join(dir, 'w', n), '{}');
      }
      const scan = await scanTargets([{ dir: join(dir, 'w'), workDir: join(dir, 'w') }, { dir: join(dir, 'gone'), workDir: join(dir, 'gone') }]);
      expect(scan.markers.map((m) => m.name)).toEqual(['.train_complete.1.json']);
      expect(scan.heartbeats.map((m) => m.name)).toEqual(['.train_running.2.json']);
      expect(scan.claims.map((c) => c.kind)).toEqual(['marker']);
      expect(scan.missing.map((t) => t.dir)).toEqual([join(dir, 'gone')]);
      expect([...scan.markerNames.get(join(dir, 'w'))!].sort()).toEqual(['.train_complete.1.json', '.train_complete.3.json', '.train_complete.4.json']);
    } finally {
      cleanup();
    }
  });
});
