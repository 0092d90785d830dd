import { dirname } from 'node:path';
import type { MonitorState } from './state.js';

/** A heartbeat read in this pass. */
export interface HeartbeatSeen {
  path: string;
  seq: number;
}

/** What this pass learned, by this monitor's clock. */
export interface Observation {
  /** Heartbeat paths whose seq has not changed for `staleAfterS`, with how long it has been silent. */
  stale: Array<{ path: string; silentS: number; notedRunning: boolean }>;
  /** Claim paths first seen at (ms). */
  claimsFirstSeen: Map<string, number>;
}

/**
 * Records heartbeat seqs and claim sightings in `state` and says which heartbeats went silent. Entries for
 * files gone from a directory listed in this pass are dropped; a seq that changed restarts the clock.
 */
export function observe(
  state: MonitorState,
  input: { heartbeats: HeartbeatSeen[]; claims: string[]; scannedDirs: Set<string>; nowMs: number; staleAfterS: number },
): Observation {
  const { nowMs } = input;
  const current = new Set(input.heartbeats.map((h) => h.path));
  for (const path of Object.keys(state.heartbeats)) {
    if (!current.has(path) && input.scannedDirs.has(dirname(path))) delete state.heartbeats[path];
  }
  const stale: Observation['stale'] = [];
  for (const { path, seq } of input.heartbeats) {
    const prev = state.heartbeats[path];
    if (!prev || prev.seq !== seq || prev.changed_at > nowMs) {
      state.heartbeats[path] = { seq, changed_at: nowMs };
      continue;
    }
    const silentS = (nowMs - prev.changed_at) / 1000;
    if (silentS >= input.staleAfterS) stale.push({ path, silentS, notedRunning: prev.noted_running === true });
  }
  const claims = new Set(input.claims);
  for (const path of Object.keys(state.claims)) {
    if (!claims.has(path) && input.scannedDirs.has(dirname(path))) delete state.claims[path];
  }
  const claimsFirstSeen = new Map<string, number>();
  for (const path of claims) {
    state.claims[path] ??= { first_seen: nowMs };
    claimsFirstSeen.set(path, Math.min(state.claims[path].first_seen, nowMs));
  }
  return { stale, claimsFirstSeen };
}

/** Marks runs the scheduler reported still running, so the user hears about each only once. */
export function markNotedRunning(state: MonitorState, paths: string[]): void {
  for (const path of paths) {
    const entry = state.heartbeats[path];
    if (entry) entry.noted_running = true;
  }
}
