import { claimMarker } from './claimed.js';
import type { MonitorContext } from './context.js';
import { deliverClaimed, type ClaimedMarker, type DeliveryOutcome } from './delivery.js';
import { deliverSingle } from './deliver-one.js';
import type { Candidate } from './digest-group.js';
import { printDryRun } from './dry-run.js';

/**
 * Claims every marker of one array job's group and sends one digest for them; if other monitors took some and
 * fewer than `digest.min_batch` remain, each remaining task gets its own report instead. All markers of the
 * digest are deleted only after every channel confirmed.
 */
export async function deliverDigest(arrayJobId: string, members: Candidate[], ctx: MonitorContext): Promise<Array<{ item: ClaimedMarker; outcome: DeliveryOutcome }>> {
  const { buildDigestReport } = await import('../report/digest.js');
  const options = { report: ctx.config.report, logger: ctx.logger };
  if (ctx.dryRun) {
    const items = members.map((m) => ({ marker: m.marker, workDir: m.workDir ?? m.marker.work_dir }));
    const report = await buildDigestReport(items, { ...options, workDir: items[0].workDir });
    await printDryRun(report, ctx, `digest of array job ${arrayJobId} (${members.length} tasks)`);
    return [];
  }
  const claimed: ClaimedMarker[] = [];
  for (const m of members) {
    const result = await claimMarker(m.markerPath, m.workDir, ctx);
    if (result.kind === 'claimed') claimed.push(result.item);
  }
  if (claimed.length === 0) return [];
  if (claimed.length < ctx.config.digest.min_batch) {
    const results = [];
    for (const item of claimed) results.push({ item, outcome: await deliverSingle(item, ctx) });
    return results;
  }
  const items = claimed.map((c) => ({ marker: c.marker, workDir: c.workDir }));
  const report = await buildDigestReport(items, { ...options, workDir: items[0].workDir });
  const outcome = await deliverClaimed(claimed, report, ctx, `digest of array job ${arrayJobId} (${claimed.length} tasks)`);
  return claimed.map((item) => ({ item, outcome }));
}
