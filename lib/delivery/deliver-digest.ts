import { claimMarker, type ClaimedMarker } from './claim.js';
import type { DeliveryContext } from './context.js';
import { deliverSingle, outsideLogFor } from './deliver-one.js';
import { deliverClaimed, type DeliveryOutcome } from './send.js';

/**
 * Claims every marker of one array job's group and sends one digest for them; if other monitors took some and
 * fewer than `digest.min_batch` remain, each remaining task gets its own report instead. All markers of the
 * digest are deleted only after every channel confirmed.
 */
export async function deliverDigest(
  arrayJobId: string,
  members: Array<{ markerPath: string; workDir: string | null }>,
  ctx: DeliveryContext,
): Promise<Array<{ item: ClaimedMarker; outcome: DeliveryOutcome }>> {
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
  const { buildDigestReport } = await import('../report/digest.js');
  // A task's log outside its work dir is read where its own spool entry names it, as for a single report.
  const items = claimed.map((c) => ({ marker: c.marker, workDir: c.workDir, outsideLog: outsideLogFor(c.markerPath, c.marker, ctx) }));
  let report;
  try {
    report = await buildDigestReport(items, { report: ctx.config.report, logger: ctx.logger, workDir: items[0].workDir });
  } catch {
    // One poison task must not hold back the others: each goes alone, and the one that fails is set aside.
    const results = [];
    for (const item of claimed) results.push({ item, outcome: await deliverSingle(item, ctx) });
    return results;
  }
  const outcome = await deliverClaimed(claimed, report, ctx, `digest of array job ${arrayJobId} (${claimed.length} tasks)`);
  return claimed.map((item) => ({ item, outcome }));
}
