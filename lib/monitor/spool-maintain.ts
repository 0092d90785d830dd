import { join } from 'node:path';
import type { MonitorContext } from './context.js';
import type { ScanResult } from './scan.js';
import { isSpoolEntryExpired, removeSpoolEntry, type SpoolView } from './spool.js';

/**
 * Keeps the spool small: entries whose work dir is gone are dropped with a warning, entries older than a month
 * with neither marker nor heartbeat left are dropped quietly, unreadable entries are named once.
 */
export async function maintainSpool(view: SpoolView, scan: ScanResult, ctx: MonitorContext): Promise<void> {
  for (const path of view.broken) ctx.warnOnce(`spool:${path}`, `spool entry ${path} is not readable as a spool entry; left in place`);
  if (ctx.dryRun) return;
  const missing = new Set(scan.missing.map((t) => t.dir));
  const heartbeats = new Set(scan.heartbeats.map((h) => h.path));
  const claimedHeartbeats = new Set(scan.claims.filter((c) => c.kind === 'heartbeat').map((c) => join(c.target.dir, c.claim.base)));
  const now = ctx.now();
  for (const record of view.records) {
    if (missing.has(record.dir)) {
      ctx.logger.warn(`work dir ${record.dir} is gone; dropping its spool entry ${record.path}`);
      await removeSpoolEntry(record);
      continue;
    }
    if (!isSpoolEntryExpired(record, now)) continue;
    const heartbeat = join(record.dir, record.heartbeatName);
    const busy = scan.markerNames.get(record.dir)?.has(record.markerName) || heartbeats.has(heartbeat) || claimedHeartbeats.has(heartbeat);
    if (!busy) await removeSpoolEntry(record);
  }
}
