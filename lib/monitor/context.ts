import type { Logger } from '../common/logger.js';
import type { Marker } from '../common/marker.js';
import type { Config } from '../config/types.js';
import { createDeliveryContext, type DeliveryContext } from '../delivery/context.js';
import { spoolLogOf } from './spool-log.js';

/** What every part of a pass needs: delivery's context, plus dry-run and once-only warnings. */
export interface MonitorContext extends DeliveryContext {
  /** Print reports instead of sending; claim, write and delete nothing. */
  dryRun: boolean;
  /** Prints a warning once per key for the life of this process. */
  warnOnce(key: string, message: string): void;
}

/** Builds the context; channel creation is deferred until a report is actually sent. */
export function createMonitorContext(options: {
  config: Config;
  logger: Logger;
  env: NodeJS.ProcessEnv;
  dryRun: boolean;
  redact: (text: string) => string;
  /** The user's spool: a run's entry there may allow its log outside the work dir. */
  spool?: string;
}): MonitorContext {
  const warned = new Set<string>();
  return {
    ...createDeliveryContext(options),
    dryRun: options.dryRun,
    ...(options.spool ? { outsideLogOf: (markerPath: string, marker: Marker) => spoolLogOf(options.spool!, markerPath, marker) } : {}),
    warnOnce: (key, message) => {
      if (warned.has(key)) return;
      warned.add(key);
      options.logger.warn(message);
    },
  };
}
