import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode } from '../common/errors.js';
import { HEARTBEAT_NAME, MARKER_NAME } from '../common/paths.js';
import { parseClaimName, STATE_TEMP_NAME, type ClaimName } from '../delivery/claim-name.js';
import { mapLimit } from './concurrency.js';

/** A directory the monitor looks into; `workDir` is null for the spool (each marker names its own work dir). */
export interface ScanTarget {
  dir: string;
  workDir: string | null;
}

/** A file found in one pass. */
export interface FoundFile {
  target: ScanTarget;
  name: string;
  path: string;
}

export interface FoundClaim extends FoundFile {
  claim: ClaimName;
  kind: 'marker' | 'heartbeat';
}

/** Everything one pass found: one readdir per directory, no stat. */
export interface ScanResult {
  markers: FoundFile[];
  heartbeats: FoundFile[];
  claims: FoundClaim[];
  /** Temps of a delivery-state rewrite (`<marker>.state-<pid>-<hex>`), left only by a process killed mid-write. */
  stateTemps: FoundFile[];
  /** Directories that do not exist (or vanished). */
  missing: ScanTarget[];
  /** Directories that could not be read, with the system's words. */
  unreadable: Array<{ target: ScanTarget; reason: string }>;
  /** Marker names per directory, including claimed ones, to tell whether a heartbeat already has its marker. */
  markerNames: Map<string, Set<string>>;
}

const SCAN_CONCURRENCY = 64;

/** Lists every target once and sorts what it finds into markers, heartbeats and claims. */
export async function scanTargets(targets: readonly ScanTarget[]): Promise<ScanResult> {
  const result: ScanResult = {
    markers: [], heartbeats: [], claims: [], stateTemps: [], missing: [], unreadable: [], markerNames: new Map(),
  };
  const listings = await mapLimit(targets, SCAN_CONCURRENCY, async (target) => {
    try {
      return await readdir(target.dir);
    } catch (error) {
      const code = errnoCode(error);
      if (code === 'ENOENT' || code === 'ENOTDIR') result.missing.push(target);
      else result.unreadable.push({ target, reason: code ?? String(error) });
      return null;
    }
  });
  targets.forEach((target, i) => {
    const names = listings[i];
    if (names) sortNames(target, names, result);
  });
  return result;
}

// Sorts one directory's names; everything else in the directory is ignored.
function sortNames(target: ScanTarget, names: string[], result: ScanResult): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (!name.startsWith('.train_')) continue;
    const file = { target, name, path: join(target.dir, name) };
    if (MARKER_NAME.test(name)) {
      result.markers.push(file);
      seen.add(name);
    } else if (HEARTBEAT_NAME.test(name)) {
      result.heartbeats.push(file);
    } else {
      const claim = parseClaimName(name);
      if (claim && MARKER_NAME.test(claim.base)) {
        result.claims.push({ ...file, claim, kind: 'marker' });
        seen.add(claim.base);
      } else if (claim && HEARTBEAT_NAME.test(claim.base)) {
        result.claims.push({ ...file, claim, kind: 'heartbeat' });
      } else if (STATE_TEMP_NAME.test(name)) {
        result.stateTemps.push(file);
      } else if (name.endsWith('.bad')) {
        seen.add(name.replace(/(?:\.\d+)?\.bad$/, ''));
      }
    }
  }
  if (seen.size > 0) result.markerNames.set(target.dir, seen);
}
