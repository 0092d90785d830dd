import type { Marker } from '../common/marker.js';

/** A marker ready to be claimed this pass. */
export interface Candidate {
  markerPath: string;
  /** null for markers left in the spool: they name their own work dir. */
  workDir: string | null;
  marker: Marker;
}

/** Markers to send together as one digest, and markers to send one by one. */
export interface Grouping {
  digests: Array<{ arrayJobId: string; members: Candidate[] }>;
  singles: Candidate[];
}

/**
 * Groups markers of one Slurm array job found in one pass: `minBatch` or more go out as one digest. Markers
 * that already reached different channels are never mixed, so no channel gets a task twice.
 */
export function groupForDigest(candidates: Candidate[], minBatch: number): Grouping {
  const groups = new Map<string, { arrayJobId: string; members: Candidate[] }>();
  const singles: Candidate[] = [];
  for (const c of candidates) {
    const arrayJobId = c.marker.slurm?.array_job_id;
    if (!arrayJobId || minBatch < 2) {
      singles.push(c);
      continue;
    }
    const delivered = [...(c.marker.delivery?.delivered ?? [])].sort().join(',');
    const key = `${arrayJobId}\u0000${delivered}`;
    const group = groups.get(key) ?? { arrayJobId, members: [] };
    group.members.push(c);
    groups.set(key, group);
  }
  const digests: Grouping['digests'] = [];
  for (const group of groups.values()) {
    if (group.members.length >= minBatch) digests.push(group);
    else singles.push(...group.members);
  }
  return { digests, singles };
}
