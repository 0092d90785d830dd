import type { Logger } from '../common/logger.js';
import type { Config } from '../config/types.js';
import { createDeliveryContext } from './context.js';
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
}): Promise<DeliveryOutcome> {
  const ctx = createDeliveryContext({ config: input.config, logger: input.logger, env: input.env, redact: input.redact });
  return deliverMarkerFile(input.markerPath, input.workDir, ctx);
}
