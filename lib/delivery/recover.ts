import { dirname, join } from 'node:path';
import { readClaimed, type ClaimedMarker } from './claim.js';
import { claimByRename, isClaimAbandoned, makeClaimName, type ClaimName } from './claim-name.js';
import type { DeliveryContext } from './context.js';

/** A claim file found in a listing (the monitor's scan gives these). */
export interface FoundClaimFile {
  path: string;
  claim: ClaimName;
  kind: 'marker' | 'heartbeat';
  target: { workDir: string | null };
}

/** Finishes a heartbeat claim taken over from a dead monitor; returns the marker written for it, if any. */
export type HeartbeatFinisher = (claimPath: string, found: FoundClaimFile) => Promise<{ path: string; workDir: string | null } | null>;

/** Claims taken over from monitors that died: markers to deliver now, and markers written for heartbeat claims. */
export interface Recovered {
  claimed: ClaimedMarker[];
  lostMarkers: Array<{ path: string; workDir: string | null }>;
}

/**
 * Takes over claims whose monitor died (same host and its pid is gone) or that this monitor has seen for longer
 * than `claim_timeout_s`: an atomic rename to this process's own claim name, so one monitor wins.
 */
export async function recoverAbandoned(
  claims: FoundClaimFile[],
  firstSeen: Map<string, number>,
  ctx: DeliveryContext & { dryRun: boolean },
  finishHeartbeat: HeartbeatFinisher,
): Promise<Recovered> {
  const recovered: Recovered = { claimed: [], lostMarkers: [] };
  const now = ctx.now();
  for (const found of claims) {
    const seenAt = firstSeen.get(found.path) ?? now;
    if (!isClaimAbandoned(found.claim, seenAt, now, ctx.config.monitor.claim_timeout_s, found.path)) continue;
    const who = `${found.claim.host}:${found.claim.pid}`;
    if (ctx.dryRun) {
      ctx.logger.info(`would take over ${found.path}, left by the monitor ${who}`);
      continue;
    }
    const dir = dirname(found.path);
    const mine = join(dir, makeClaimName(found.claim.base));
    if (!(await claimByRename(found.path, mine))) continue;
    ctx.logger.info(`took over ${found.claim.base} in ${dir}, left unfinished by the monitor ${who}`);
    if (found.kind === 'marker') {
      const result = await readClaimed(mine, join(dir, found.claim.base), found.target.workDir, ctx);
      if (result.kind === 'claimed') recovered.claimed.push(result.item);
      continue;
    }
    const written = await finishHeartbeat(mine, found);
    if (written) recovered.lostMarkers.push(written);
  }
  return recovered;
}
