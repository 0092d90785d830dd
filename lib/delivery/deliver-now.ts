import type { Logger } from '../common/logger.js';
import type { Config } from '../config/types.js';
import { createDeliveryContext } from './context.js';
import { recordEndDelivery } from '../ops/history.js';
import { deliverMarkerFile } from './deliver-one.js';
import type { DeliveryOutcome } from './send.js';

/**
 * The wrapper's `--notify` entry (loaded on demand, only then): delivers one marker file with a delivery context
 * of its own, no monitor around it.
 */
export async function deliverNow(input: {
  markerPath: string;
  workDir: string;
  config: Config;
  logger: Logger;
  env: NodeJS.ProcessEnv;
  redact: (text: string) => string;
  /** The real path of the wrapper's own log when it lies outside the work dir (`--log-dir`). */
  ownLog?: string | null;
}): Promise<DeliveryOutcome> {
  const ctx = createDeliveryContext({ config: input.config, logger: input.logger, env: input.env, redact: input.redact });
  const ownLog = input.ownLog ?? null;
  if (ownLog !== null) ctx.outsideLogOf = async () => ownLog;
  // Once delivered, the same history line a monitor's pass writes, so `status --all` lists runs reported from the job.
  return deliverMarkerFile(input.markerPath, input.workDir, ctx, (marker) => recordEndDelivery(marker, ctx));
}
