import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { hostname } from 'node:os';
import { errnoCode } from '../common/errors.js';

/** `<name>.claim-<host>-<pid>-<8 hex>`: never matches MARKER_NAME or HEARTBEAT_NAME (no `.json` at the end). */
const CLAIM_NAME = /^(.+)\.claim-(.+)-(\d+)-([0-9a-f]{8})$/;

/** A claim file as seen in a directory listing, with the process that made it. */
export interface ClaimName {
  /** The marker or heartbeat name the claim was taken from. */
  base: string;
  host: string;
  pid: number;
}

// Host names are put into file names, so keep them to safe characters.
export function currentHost(): string {
  return hostname().replace(/[^A-Za-z0-9.-]/g, '_') || 'host';
}

// Claim paths this process holds right now: any other claim with this process's pid was stranded by a failure.
const held = new Set<string>();

/** Records that this process holds (or no longer holds) the claim at `path`. */
export function noteHeld(path: string, holding: boolean): void {
  if (holding) held.add(path);
  else held.delete(path);
}

/** A fresh claim name for `base`, private to this process. */
export function makeClaimName(base: string): string {
  return `${base}.claim-${currentHost()}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** The private temp of putBackWithState (release.ts): `<marker>.state-<pid>-<hex>`. */
export const STATE_TEMP_NAME = /^\.train_complete(?:\.[^/]*)?\.json\.state-\d+-[0-9a-f]+$/;

/** Reads the base name, host and pid out of a claim name, or null when `name` is not a claim. */
export function parseClaimName(name: string): ClaimName | null {
  const match = CLAIM_NAME.exec(name);
  return match ? { base: match[1], host: match[2], pid: Number(match[3]) } : null;
}

/**
 * Claims `from` by an atomic rename to `to`: exactly one of several racing processes wins.
 * Returns false when the file was gone (another process won, or it was already delivered).
 */
export async function claimByRename(from: string, to: string): Promise<boolean> {
  try {
    noteHeld(to, true);
    await rename(from, to);
    return true;
  } catch (error) {
    noteHeld(to, false);
    if (errnoCode(error) === 'ENOENT') return false;
    throw error;
  }
}

/** True when `pid` is known to be gone on this host (ESRCH); EPERM means it exists under another user. */
export function isPidDead(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return errnoCode(error) === 'ESRCH';
  }
}

/** True when `pid` runs (or sleeps) normally on this host, per /proc; false when stopped, in I/O or unknown. */
export function isPidRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state === 'R' || state === 'S';
  } catch {
    return false;
  }
}

/**
 * A claim is abandoned when its monitor ran on this host and is dead, when it is this process's own but no longer
 * held (a put-back that failed, e.g. on a full disk), or when this monitor has watched it for longer than the timeout
 * (by its own clock: another host's clock or NFS mtimes are never compared).
 */
export function isClaimAbandoned(claim: ClaimName, firstSeenMs: number, nowMs: number, timeoutS: number, path?: string): boolean {
  if (claim.host === currentHost() && claim.pid === process.pid) return path !== undefined && !held.has(path);
  if (claim.host === currentHost() && isPidDead(claim.pid)) return true;
  // A holder alive and running on this host is working on it, however long that takes; a stopped one (Ctrl-Z,
  // SIGSTOP) or one stuck in I/O is judged by the timeout, as are holders on other hosts.
  if (claim.host === currentHost() && isPidRunning(claim.pid)) return false;
  return nowMs - firstSeenMs >= timeoutS * 1000;
}
