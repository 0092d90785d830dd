import { createHash } from 'node:crypto';
import type { Marker } from '../common/marker.js';

/**
 * The stable id of one run's report: made from what identifies the run (host, pid, start time, run id, work dir,
 * command) and never from the delivery state, so every retry and every monitor sends the same id.
 */
export function deliveryIdOf(marker: Marker): string {
  const identity = [
    marker.host,
    marker.pid,
    marker.started_at,
    marker.run_id ?? '',
    marker.work_dir,
    marker.command,
    marker.slurm?.job_id ?? '',
  ];
  return `hpc-run-${createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 32)}`;
}

/** The id of a digest: from its members' ids, in order, so the same set of tasks always gets the same id. */
export function digestIdOf(markers: Marker[]): string {
  const ids = markers.map(deliveryIdOf).sort();
  return ids.length === 1 ? ids[0] : `hpc-run-${createHash('sha256').update(ids.join(',')).digest('hex').slice(0, 32)}`;
}
