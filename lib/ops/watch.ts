import { dirname } from 'node:path';
import type { InRunStatus } from '../common/marker.js';
import { isIdleReading, type GpuNow } from './heartbeat-view.js';
import type { Episode, OpsState, OutboxItem, RunWatch } from './ops-state.js';

/** One live heartbeat as a pass read it. */
export interface LiveRun {
  /** The heartbeat's path: the run's key. */
  key: string;
  run_id: string | null;
  work_dir: string;
  seq: number;
  log_bytes: number | null;
  /** The wrapper's `--stall-after` (seconds; 0 = off), or null for the monitor's setting. */
  stall_after_s: number | null;
  gpus: GpuNow[] | null;
}

/** The thresholds of one pass, in seconds (0 turns an alert off). */
export interface WatchSettings {
  nowMs: number;
  staleAfterS: number;
  stallAfterS: number;
  idleThresholdPct: number;
  idleAfterS: number;
}

/** What one observation changed, for the log. */
export interface WatchEvents {
  opened: Array<{ kind: InRunStatus; key: string; item: string }>;
  cancelled: string[];
}

// A new outbox item for a run (not yet built: the sender reads the log when it sends).
function newItem(kind: InRunStatus, key: string, run: RunWatch, episode: string, nowMs: number, durationS: number): OutboxItem {
  return {
    id: `${episode}:${kind}`,
    kind,
    run_key: key,
    run_id: run.run_id,
    work_dir: run.work_dir,
    created_at: nowMs,
    duration_s: Math.round(durationS),
    report: null,
    delivered: [],
    attempts: 0,
    next_attempt_at: nowMs,
    last_error: null,
    sending: null,
  };
}

// Drops an episode's report that nobody has sent yet (the episode ended first); true when it was dropped.
function cancelUnsent(state: OpsState, itemId: string): boolean {
  const i = state.outbox.findIndex((o) => o.id === itemId);
  if (i < 0 || state.outbox[i].sending || state.outbox[i].delivered.length > 0) return false;
  state.outbox.splice(i, 1);
  return true;
}

/**
 * Folds one pass's heartbeats into `state` by the monitor's own clock and queues one report per episode:
 * `stalled` when the heartbeat is alive (seq changed within `staleAfterS`) but `log_bytes` has not grown for the
 * stall threshold, `resumed` when it grows again after a reported stall, `gpu_idle` when every GPU reads under
 * the threshold for `idleAfterS`. Runs whose heartbeat is gone from a directory listed this pass are forgotten,
 * and reports of theirs not yet sent are dropped (the end report speaks for them).
 */
export function observeRuns(state: OpsState, live: LiveRun[], scannedDirs: Set<string>, s: WatchSettings): WatchEvents {
  const events: WatchEvents = { opened: [], cancelled: [] };
  const now = s.nowMs;
  const present = new Set(live.map((r) => r.key));
  for (const key of Object.keys(state.runs)) {
    if (present.has(key) || !scannedDirs.has(dirname(key))) continue;
    for (const episode of [state.runs[key].stall, state.runs[key].idle]) {
      if (episode && cancelUnsent(state, episode.item)) events.cancelled.push(episode.item);
    }
    delete state.runs[key];
  }
  for (const run of live) {
    const prev = state.runs[run.key];
    const stallAfterS = run.stall_after_s !== null ? Math.max(0, run.stall_after_s) : s.stallAfterS;
    if (!prev || prev.seq_changed_at > now) {
      state.runs[run.key] = {
        run_id: run.run_id, work_dir: run.work_dir, seq: run.seq, seq_changed_at: now, log_bytes: run.log_bytes, bytes_changed_at: now,
        stall_after_s: stallAfterS, stale_after_s: s.staleAfterS, idle_since: null, stall: null, idle: null, episodes: 0,
      };
      continue;
    }
    const w = prev;
    w.stall_after_s = stallAfterS;
    w.stale_after_s = s.staleAfterS;
    if (w.seq !== run.seq) {
      w.seq = run.seq;
      w.seq_changed_at = now;
    }
    const alive = now - w.seq_changed_at < s.staleAfterS * 1000;
    const grew = run.log_bytes !== null && run.log_bytes !== w.log_bytes;
    if (grew) {
      const silentS = (now - w.bytes_changed_at) / 1000;
      w.log_bytes = run.log_bytes;
      w.bytes_changed_at = now;
      if (w.stall) {
        const dropped = cancelUnsent(state, w.stall.item);
        if (dropped) events.cancelled.push(w.stall.item);
        else {
          const item = newItem('resumed', run.key, w, w.stall.id, now, silentS);
          state.outbox.push(item);
          events.opened.push({ kind: 'resumed', key: run.key, item: item.id });
        }
        w.stall = null;
      }
    }
    const silentS = (now - w.bytes_changed_at) / 1000;
    if (alive && !w.stall && stallAfterS > 0 && w.log_bytes !== null && silentS >= stallAfterS) {
      w.stall = openEpisode(state, w, run.key, 'stalled', w.bytes_changed_at, now, silentS);
      events.opened.push({ kind: 'stalled', key: run.key, item: w.stall.item });
    }
    const idleNow = alive && isIdleReading(run.gpus, s.idleThresholdPct);
    if (!idleNow) {
      w.idle_since = null;
      if (w.idle && cancelUnsent(state, w.idle.item)) events.cancelled.push(w.idle.item);
      w.idle = null;
      continue;
    }
    w.idle_since ??= now;
    const idleS = (now - w.idle_since) / 1000;
    if (!w.idle && s.idleAfterS > 0 && idleS >= s.idleAfterS) {
      w.idle = openEpisode(state, w, run.key, 'gpu_idle', w.idle_since, now, idleS);
      events.opened.push({ kind: 'gpu_idle', key: run.key, item: w.idle.item });
    }
  }
  return events;
}

// Opens an episode and queues its one report.
function openEpisode(
  state: OpsState,
  w: RunWatch,
  key: string,
  kind: 'stalled' | 'gpu_idle',
  since: number,
  now: number,
  durationS: number,
): Episode {
  w.episodes += 1;
  const id = `${key}#${now.toString(36)}.${w.episodes}`;
  const item = newItem(kind, key, w, id, now, durationS);
  state.outbox.push(item);
  return { id, since, opened_at: now, item: item.id };
}
