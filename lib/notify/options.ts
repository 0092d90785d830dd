import { ConfigError } from '../common/errors.js';
import type { ChannelConfig } from '../config/types.js';
import { baseUrl, CHANNEL_TIMEOUT_S, isMapping } from './settings.js';
import type { ChannelContext, ChannelSettings } from './types.js';

// Readers for a channel's own settings, each naming `channels.<name>.<key>` when a value has the wrong shape;
// the common ones (URL, headers, timeout) were checked once by normalizeChannelSettings.

const where = (config: ChannelConfig, key: string) => `channels.${config.name}.${key}`;

/** A string setting (numbers are accepted and turned into text); undefined when absent or empty. */
export function readString(config: ChannelConfig, key: string): string | undefined {
  const value = config[key];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  throw new ConfigError('expected text', { key: where(config, key) });
}

/** A string setting that must be present (the registry already checked it; this keeps the types honest). */
export function requireString(config: ChannelConfig, key: string): string {
  const value = readString(config, key);
  if (value === undefined) throw new ConfigError('is required', { key: where(config, key) });
  return value;
}

/** A boolean setting: true/false, or the words yes/no/true/false. */
export function readBoolean(config: ChannelConfig, key: string, fallback: boolean): boolean {
  const value = config[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|yes|false|no)$/i.test(value)) return /^(true|yes)$/i.test(value);
  throw new ConfigError('expected true or false', { key: where(config, key) });
}

/** One value from a fixed list. */
export function readChoice<T extends string>(config: ChannelConfig, key: string, choices: readonly T[], fallback: T): T {
  const value = readString(config, key);
  if (value === undefined) return fallback;
  const found = choices.find((c) => c === value.toLowerCase());
  if (!found) throw new ConfigError(`expected one of ${choices.join(', ')}, got '${value}'`, { key: where(config, key) });
  return found;
}

/** A positive integer setting (ports, character limits). */
export function readInteger(config: ChannelConfig, key: string, fallback: number): number {
  const value = config[key];
  if (value === undefined || value === null || value === '') return fallback;
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n <= 0) throw new ConfigError('expected a positive whole number', { key: where(config, key) });
  return n;
}

/** `headers:` as checked by the loader: a map of text values (they may hold tokens; they are secrets). */
export function readHeaders(config: ChannelConfig): Record<string, string> {
  return isMapping(config.headers) ? ({ ...config.headers } as Record<string, string>) : {};
}

/** The request timeout in milliseconds: `timeout_s` as the loader left it, else the one default. */
export function readTimeoutMs(config: ChannelConfig): number {
  const seconds = typeof config.timeout_s === 'number' ? config.timeout_s : CHANNEL_TIMEOUT_S;
  return Math.round(seconds * 1000);
}

/** The service's URL (the module's URL setting, else its default), without a trailing slash. */
export function readBaseUrl(config: ChannelConfig, spec: ChannelSettings): string {
  return baseUrl(config, spec);
}

/** The context's redactor, plus this channel's own secret values (belt and braces for tokens inside URLs). */
export function channelRedactor(ctx: ChannelContext, secrets: Array<string | undefined>): (s: string) => string {
  const own = secrets.filter((s): s is string => typeof s === 'string' && s.length >= 4);
  const encoded = own.map((s) => encodeURIComponent(s)).filter((e, i) => e !== own[i]);
  const all = [...own, ...encoded].sort((a, b) => b.length - a.length);
  return (text) => all.reduce((t, secret) => t.split(secret).join('***'), ctx.redact(text));
}

/** Cuts text to `max` UTF-16 units, keeping the tail (the end of a log matters most), never splitting a pair. */
export function keepTail(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 1) return text.slice(text.length - Math.max(0, max));
  let start = text.length - (max - 1);
  if (isLowSurrogate(text.charCodeAt(start))) start += 1;
  return `…${text.slice(start)}`;
}

/** Cuts text to `max` UTF-16 units, keeping the head (titles), never splitting a pair. */
export function keepHead(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 1) return text.slice(0, Math.max(0, max));
  let end = max - 1;
  if (isLowSurrogate(text.charCodeAt(end))) end -= 1;
  return `${text.slice(0, end)}…`;
}

const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff;
