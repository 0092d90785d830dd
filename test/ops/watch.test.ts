import { describe, expect, test } from '@jest/globals';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { appendHistory, readHistory, type HistoryEntry } from '../../lib/ops/history.js';
import { isIdleReading } from '../../lib/ops/heartbeat-view.js';
import type { OpsState } from '../../lib/ops/ops-state.js';
import { observeRuns, type LiveRun } from '../../lib/ops/watch.js';
import { loadConfig } from '../../lib/config/load.js';
import { makeTempDir } from '../helpers/run-bin.js';

const DIR = '/runs/a';
const KEY = `${DIR}/.train_running.a.json`;
const settings = (nowMs: number) => ({ nowMs, staleAfterS: 600, stallAfterS: 60, idleThresholdPct: 5, idleAfterS: 120 });
const run = (seq: number, bytes: number, extra: Partial<LiveRun> = {}): LiveRun => ({
  key: KEY,
  run_id: 'a',
  work_dir: DIR,
  seq,
  log_bytes: bytes,
  stall_after_s: null,
  gpus: null,
  ...extra,
});
const empty = (): OpsState => ({ schema: 1, runs: {}, outbox: [] });
const scanned = new Set([DIR]);

describe('observeRuns (the monitor clock only)', () => {
  test('one stalled item per episode, resumed when the bytes grow, a second episode later', () => {
    const state = empty();
    const kinds = () => state.outbox.map((o) => o.kind);
    observeRuns(state, [run(1, 100)], scanned, settings(0));
    observeRuns(state, [run(2, 100)], scanned, settings(59_000));
    expect(kinds()).toEqual([]);
    observeRuns(state, [run(3, 100)], scanned, settings(61_000));
    observeRuns(state, [run(4, 100)], scanned, settings(200_000));
    expect(kinds()).toEqual(['stalled']);
    state.outbox = []; // delivered
    observeRuns(state, [run(5, 150)], scanned, settings(210_000));
    expect(kinds()).toEqual(['resumed']);
    state.outbox = [];
    observeRuns(state, [run(6, 150)], scanned, settings(271_000));
    expect(kinds()).toEqual(['stalled']);
    expect(state.outbox[0].duration_s).toBe(61);
  });

  test('a silent heartbeat is not a stall (the lost check owns it); a stall ended before delivery is dropped', () => {
    const state = empty();
    observeRuns(state, [run(1, 100)], scanned, { ...settings(0), staleAfterS: 30 });
    observeRuns(state, [run(1, 100)], scanned, { ...settings(100_000), staleAfterS: 30 });
    expect(state.outbox).toEqual([]);
    observeRuns(state, [run(2, 100)], scanned, settings(200_000));
    observeRuns(state, [run(3, 100)], scanned, settings(300_000));
    expect(state.outbox.map((o) => o.kind)).toEqual(['stalled']);
    const events = observeRuns(state, [run(4, 200)], scanned, settings(301_000));
    expect(state.outbox).toEqual([]);
    expect(events.cancelled).toHaveLength(1);
  });

  test('the run\'s own stall_after_s wins; 0 turns it off for that run', () => {
    const state = empty();
    observeRuns(state, [run(1, 100, { stall_after_s: 5 })], scanned, settings(0));
    observeRuns(state, [run(2, 100, { stall_after_s: 5 })], scanned, settings(6000));
    expect(state.outbox.map((o) => o.kind)).toEqual(['stalled']);
    const off = empty();
    observeRuns(off, [run(1, 100, { stall_after_s: 0 })], scanned, settings(0));
    observeRuns(off, [run(2, 100, { stall_after_s: 0 })], scanned, settings(10_000_000));
    expect(off.outbox).toEqual([]);
  });

  test('idle GPUs: one item after the set time; a null reading never counts; a busy reading ends the episode', () => {
    const idle = [
      { index: 0, utilization_pct: 0, memory_used_mib: 10, memory_total_mib: 80 },
      { index: 1, utilization_pct: 4, memory_used_mib: 10, memory_total_mib: 80 },
    ];
    const mig = [
      { index: 0, utilization_pct: 0, memory_used_mib: 10, memory_total_mib: 80 },
      { index: 1, utilization_pct: null, memory_used_mib: null, memory_total_mib: null },
    ];
    expect(isIdleReading(idle, 5)).toBe(true);
    expect(isIdleReading(mig, 5)).toBe(false);
    expect(isIdleReading([], 5)).toBe(false);
    const state = empty();
    for (let t = 0, seq = 1; t <= 300_000; t += 30_000, seq += 1)
      observeRuns(state, [run(seq, seq * 10, { gpus: idle })], scanned, settings(t));
    expect(state.outbox.map((o) => o.kind)).toEqual(['gpu_idle']);
    state.outbox = [];
    observeRuns(state, [run(100, 5000, { gpus: [{ ...idle[0], utilization_pct: 90 }] })], scanned, settings(330_000));
    for (let t = 360_000, seq = 101; t <= 600_000; t += 30_000, seq += 1)
      observeRuns(state, [run(seq, seq * 10, { gpus: idle })], scanned, settings(t));
    expect(state.outbox.map((o) => o.kind)).toEqual(['gpu_idle']);
    const never = empty();
    for (let t = 0, seq = 1; t <= 600_000; t += 30_000, seq += 1)
      observeRuns(never, [run(seq, seq * 10, { gpus: mig })], scanned, settings(t));
    expect(never.outbox).toEqual([]);
  });

  test('a heartbeat gone from a listed dir is forgotten with its unsent reports; an unlisted dir keeps it', () => {
    const state = empty();
    observeRuns(state, [run(1, 100)], scanned, settings(0));
    observeRuns(state, [run(2, 100)], scanned, settings(100_000));
    expect(state.outbox).toHaveLength(1);
    observeRuns(state, [], new Set(), settings(110_000));
    expect(Object.keys(state.runs)).toEqual([KEY]);
    observeRuns(state, [], scanned, settings(120_000));
    expect(state.runs).toEqual({});
    expect(state.outbox).toEqual([]);
  });
});

describe('history.jsonl', () => {
  test('appends one line per report and rotates past the size bound, keeping one older file', async () => {
    const tmp = makeTempDir('hpc-run-history-');
    try {
      const env = { HPC_RUN_STATE_DIR: tmp.dir };
      const entry = (i: number): HistoryEntry => ({
        at: new Date(i).toISOString(), kind: 'end', status: 'success', severity: 'info', title: `t${i}`, run_id: `r${i}`, work_dir: '/w',
        job_id: null, host: 'h', command: 'c', log_file: null, started_at: null, ended_at: null, duration_s: 1, exit_code: 0,
        channels: ['console'],
      });
      for (let i = 0; i < 30; i += 1) await appendHistory(env, entry(i), 2000);
      const current = readFileSync(join(tmp.dir, 'history.jsonl'), 'utf8');
      expect(Buffer.byteLength(current)).toBeLessThanOrEqual(2000);
      const all = await readHistory(env);
      expect(all.at(-1)!.run_id).toBe('r29');
      expect(all.length).toBeGreaterThan(current.trim().split('\n').length);
      writeFileSync(join(tmp.dir, 'history.jsonl'), `${current}{"cut`);
      expect((await readHistory(env)).at(-1)!.run_id).toBe('r29');
    } finally {
      tmp.cleanup();
    }
  });
});

describe('config', () => {
  test('monitor.stall_after and monitor.gpu_idle: defaults, values, off, and a bad value named', async () => {
    const tmp = makeTempDir('hpc-run-opscfg-');
    try {
      const file = join(tmp.dir, 'c.yaml');
      const load = (yaml: string) => {
        writeFileSync(file, yaml);
        return loadConfig({ configPath: file, env: { HOME: tmp.dir }, cwd: tmp.dir });
      };
      mkdirSync(join(tmp.dir, 'x'), { recursive: true });
      expect((await load('report: {language: en}\n')).monitor).toMatchObject({
        stall_after_s: 1800,
        gpu_idle: { threshold_pct: 5, after_s: 1200 },
      });
      expect((await load('monitor:\n  stall_after: 45m\n  gpu_idle: {threshold: 10, after: 5m}\n')).monitor).toMatchObject({
        stall_after_s: 2700,
        gpu_idle: { threshold_pct: 10, after_s: 300 },
      });
      expect((await load('monitor:\n  stall_after: off\n  gpu_idle: off\n')).monitor).toMatchObject({
        stall_after_s: 0,
        gpu_idle: { after_s: 0 },
      });
      await expect(load('monitor:\n  gpu_idle: {threshold: 150}\n')).rejects.toMatchObject({
        code: 'E_CONFIG',
        message: expect.stringMatching(/monitor\.gpu_idle\.threshold/),
      });
      await expect(load('monitor:\n  stall_after: soon\n')).rejects.toMatchObject({
        code: 'E_CONFIG',
        message: expect.stringMatching(/monitor\.stall_after/),
      });
    } finally {
      tmp.cleanup();
    }
  });
});
