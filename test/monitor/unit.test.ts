import { describe, expect, test } from '@jest/globals';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeClaimName } from '../../lib/delivery/claim-name.js';
import { groupForDigest, type Candidate } from '../../lib/monitor/digest-group.js';
import { observe } from '../../lib/monitor/observe.js';
import { scanTargets } from '../../lib/monitor/scan.js';
import { localRun, makeMarker } from '../helpers/marker.js';
import { makeTempDir } from '../helpers/run-bin.js';

describe('digest grouping', () => {
  const task = (array: string | null, id: string, delivered?: string[]): Candidate => ({
    markerPath: `/w/.train_complete.${id}.json`,
    workDir: '/w',
    marker: makeMarker({
      ...localRun('/w', id),
      slurm: array
        ? { job_id: id, array_job_id: array, array_task_id: id, job_name: 'a', partition: null, nodelist: null, restart_count: 0 }
        : null,
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
    const input = (seq: number, nowMs: number) => ({
      heartbeats: [{ path: '/w/.train_running.json', seq }], claims: [], scannedDirs: dirs, nowMs, staleAfterS: 10,
    });
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
  test('one scan sorts markers, heartbeats and claims, and reports missing dirs', async () => {
    const { dir, cleanup } = makeTempDir();
    try {
      mkdirSync(join(dir, 'w'));
      const names = [
        '.train_complete.1.json', '.train_running.2.json', makeClaimName('.train_complete.3.json'),
        '.train_complete.4.json.bad', 'other.json',
      ];
      for (const n of names) {
        writeFileSync(join(dir, 'w', n), '{}');
      }
      const scan = await scanTargets([
        { dir: join(dir, 'w'), workDir: join(dir, 'w') },
        { dir: join(dir, 'gone'), workDir: join(dir, 'gone') },
      ]);
      expect(scan.markers.map((m) => m.name)).toEqual(['.train_complete.1.json']);
      expect(scan.heartbeats.map((m) => m.name)).toEqual(['.train_running.2.json']);
      expect(scan.claims.map((c) => c.kind)).toEqual(['marker']);
      expect(scan.missing.map((t) => t.dir)).toEqual([join(dir, 'gone')]);
      expect([...scan.markerNames.get(join(dir, 'w'))!].sort())
        .toEqual(['.train_complete.1.json', '.train_complete.3.json', '.train_complete.4.json']);
    } finally {
      cleanup();
    }
  });
});
