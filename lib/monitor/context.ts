import type { Logger } from '../common/logger.js';
import type { Config } from '../config/types.js';
import type { Channel } from '../notify/types.js';

/** What every part of a pass needs: configuration, output, clock, and the channels (created on first use). */
export interface MonitorContext {
  config: Config;
  logger: Logger;
  env: NodeJS.ProcessEnv;
  /** Print reports instead of sending; claim, write and delete nothing. */
  dryRun: boolean;
  /** The uid that owns the markers this monitor may deliver (the process's own), or null where there is none. */
  uid: number | null;
  redact(text: string): string;
  /** The configured channels, created on first use so that an empty pass loads no HTTP client. */
  channels(): Promise<Channel[]>;
  /** Prints a warning once per key for the life of this process. */
  warnOnce(key: string, message: string): void;
  /** This monitor's clock in milliseconds (the only clock it ever compares with). */
  now(): number;
}

/** Builds the context; channel creation is deferred until a report is actually sent. */
export function createMonitorContext(options: {
  config: Config;
  logger: Logger;
  env: NodeJS.ProcessEnv;
  dryRun: boolean;
  redact: (text: string) => string;
}): MonitorContext {
  let channels: Promise<Channel[]> | null = null;
  const warned = new Set<string>();
  return {
    ...options,
    uid: typeof process.getuid === 'function' ? process.getuid() : null,
    channels: () => {
      channels ??= (async () => {
        const { createChannels, createChannelContext } = await import('../notify/create.js');
        return createChannels(options.config, createChannelContext(options.config, options.logger, options.env));
      })();
      return channels;
    },
    warnOnce: (key, message) => {
      if (warned.has(key)) return;
      warned.add(key);
      options.logger.warn(message);
    },
    now: () => Date.now(),
  };
}
