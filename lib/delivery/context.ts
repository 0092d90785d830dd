import type { Logger } from '../common/logger.js';
import type { Marker } from '../common/marker.js';
import type { Config } from '../config/types.js';
import type { Channel } from '../notify/types.js';

/** What delivering a marker needs, and nothing more: the monitor's context extends it, `--notify` builds it alone. */
export interface DeliveryContext {
  config: Config;
  logger: Logger;
  env: NodeJS.ProcessEnv;
  /** The uid that owns the markers this process may deliver (its own), or null where there is none. */
  uid: number | null;
  redact(text: string): string;
  /** The configured channels, created on first use so that an empty pass loads no HTTP client. */
  channels(): Promise<Channel[]>;
  /** This process's clock in milliseconds (the only clock it ever compares with). */
  now(): number;
  /** Told of every channel's answer (the status server's metrics); absent when nobody listens. */
  events?: DeliveryEvents;
  /** The log outside its work dir a marker's run may show (its spool entry's), or null; absent: none ever. */
  outsideLogOf?(markerPath: string, marker: Marker): Promise<string | null>;
}

/** What a delivery tells a listener: one channel's answer, and whether it retried an earlier failure. */
export interface DeliveryEvents {
  delivered(channel: string, ok: boolean, retry: boolean): void;
}

/** Builds a delivery context; channel creation is deferred until a report is actually sent. */
export function createDeliveryContext(options: {
  config: Config;
  logger: Logger;
  env: NodeJS.ProcessEnv;
  redact: (text: string) => string;
}): DeliveryContext {
  let channels: Promise<Channel[]> | null = null;
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
    now: () => Date.now(),
  };
}
