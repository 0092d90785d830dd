import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseHeartbeat } from '../common/marker.js';
import { claimByRename, isClaimAbandoned, makeClaimName } from './claim.js';
import { readClaimed } from './claimed.js';
import type { MonitorContext } from './context.js';
import type { ClaimedMarker } from './delivery.js';
import { finishLost, markerNameFor } from './lost.js';
import type { FoundClaim } from './scan.js';

/** Claims taken over from monitors that died: markers to deliver now, and lost markers finished for them. */
export interface Recovered {
  claimed: ClaimedMarker[];
  lostMarkers: Array<{ path: string; workDir: string | null }>;
}

/**
 * Takes over claims whose monitor died (same host and its pid is gone) or that this monitor has seen for longer
 * than `claim_timeout_s`: an atomic rename to this monitor's own claim name, so one monitor wins.
 */
export async function recoverAbandoned(claims: FoundClaim[], firstSeen: Map<string, number>, ctx: MonitorContext): Promise<Recovered> {
  const recovered: Recovered = { claimed: [], lostMarkers: [] };
  const now = ctx.now();
  for (const found of claims) {
    const seenAt = firstSeen.get(found.path) ?? now;
    if (!isClaimAbandoned(found.claim, seenAt, now, ctx.config.monitor.claim_timeout_s)) continue;
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
    try {
      const heartbeat = parseHeartbeat(await readFile(mine, 'utf8'), mine);
      const workDir = found.target.workDir ?? heartbeat.work_dir;
      const note = 'the heartbeat stopped; an earlier monitor declared the run lost and stopped before writing its marker';
      const path = await finishLost(mine, join(dir, markerNameFor(found.claim.base)), heartbeat, workDir, { state: null, note }, null, ctx);
      if (path) recovered.lostMarkers.push({ path, workDir: found.target.workDir });
    } catch (error) {
      ctx.logger.error(`cannot read the heartbeat claimed at ${mine}: ${(error as Error).message}; left in place`);
    }
  }
  return recovered;
}
