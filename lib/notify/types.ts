import type { ChannelConfig } from '../config/types.js';
import type { Logger } from '../common/logger.js';
import type { Report } from '../report/types.js';

/** The outcome of one send: `ok` only when the service confirmed (HTTP 2xx and its own success code). */
export interface Delivery {
  ok: boolean;
  /** Plain words for the user: `delivered`, `HTTP 500`, `service said code 1: bad key`, `connection refused` … */
  detail: string;
  /** False when retrying cannot help (e.g. a rejected key); the monitor still keeps the marker. */
  retryable: boolean;
}

export interface ChannelContext {
  logger: Logger;
  env: NodeJS.ProcessEnv;
  /** Replaces every known secret in a string (for errors and logs). */
  redact(text: string): string;
}

/**
 * What identifies one delivery to the receiver: the same id for every retry and every monitor that sends this
 * report, so a receiver can drop the duplicate a monitor killed during a send leaves behind.
 */
export interface DeliveryMeta {
  deliveryId: string;
}

/** A channel: lays a report out within its limits, then sends it and judges the answer. */
export interface Channel<M = unknown> {
  readonly name: string;
  readonly type: string;
  format(report: Report, meta?: DeliveryMeta): M;
  send(message: M, meta?: DeliveryMeta): Promise<Delivery>;
}

/** What the registry knows of a channel type without loading its module (start-up stays fast). */
export interface ChannelSpec {
  type: string;
  /** Keys that must be present after secrets and `${VAR}` are resolved, e.g. `['api_key']`. */
  required: string[];
  /** Keys whose values are secrets (redacted everywhere). */
  secretKeys: string[];
  load(): Promise<{ createChannel(config: ChannelConfig, ctx: ChannelContext): Channel }>;
}
