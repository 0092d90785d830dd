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

/** Where a channel connects: a host and port, and whether the connection starts with TLS. */
export interface Endpoint {
  host: string;
  port: number;
  tls: boolean;
  /** The setting this came from, for fixes (`channels.<name>.url`). */
  key: string;
  /** A note on what the check cannot see (e.g. STARTTLS). */
  note?: string;
}

/** Where a channel's problems go while its settings are checked: `key` is the full key path. */
export interface SettingsIssues {
  error(key: string, message: string): void;
  /** A non-fatal finding about `key` (e.g. `… is ignored`). */
  warn(key: string, message: string): void;
}

/** What a channel module says about its settings: the loader, `doctor` and the sender all read this one place. */
export interface ChannelSettings {
  /** Keys that must be present after secrets and `${VAR}` are resolved, e.g. `['api_key']`. */
  required: readonly string[];
  /** Keys whose values are secrets (redacted everywhere). */
  secretKeys: readonly string[];
  /** Every setting the channel reads besides `type`, `name` and `timeout`/`timeout_s` (others get a warning). */
  keys: readonly string[];
  /** The setting holding the service's http(s) URL, and its default (which may depend on other settings). */
  url?: { key: string; fallback: string | ((config: ChannelConfig) => string) };
  /** Keys of the secrets file that may supply a setting besides `<name>_<key>` and `<type>_<key>`. */
  secretsFileKeys?: Readonly<Record<string, readonly string[]>>;
  /** The module's own normalisation (seed quirks), after the common settings are checked. */
  normalize?(settings: Record<string, unknown>, path: string, issues: SettingsIssues): void;
  /** Where `doctor` connects, when not the `url` setting; null for nothing to reach. */
  endpoint?(config: ChannelConfig): Endpoint | null;
}

/** One channel module: its settings, and the factory of the channel that formats and sends. */
export interface ChannelModule {
  settings: ChannelSettings;
  createChannel(config: ChannelConfig, ctx: ChannelContext): Channel;
}
