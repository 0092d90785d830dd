import { basename } from 'node:path';
import { claimMarker } from './claim.js';
import type { DeliveryContext } from './context.js';
import { keepHeld, removeClaim } from './held.js';

/**
 * Drops a second final report of a run whose first one was delivered already (a `lost` verdict, then the real
 * marker after all, or the other way round): claimed, then removed, and said once. Returns true when removed.
 */
export async function suppressSecondReport(
  markerPath: string,
  workDir: string | null,
  firstStatus: string,
  ctx: DeliveryContext,
): Promise<boolean> {
  const claim = await claimMarker(markerPath, workDir, ctx);
  if (claim.kind !== 'claimed') return false;
  const held = await keepHeld([claim.item], ctx, (item) => removeClaim(item));
  if (held.length === 1) {
    const run = claim.item.marker.run_id ? `run ${claim.item.marker.run_id}` : basename(markerPath);
    ctx.logger.info(
      `${run}: a '${firstStatus}' report of this run was delivered already; ` +
        `its '${claim.item.marker.status}' marker ${markerPath} is not sent (one final report per run)`,
    );
  }
  return held.length === 1;
}
