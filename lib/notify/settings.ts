import { parseDuration } from '../common/duration.js';
import { ConfigError } from '../common/errors.js';
import { unknownKeyNote } from '../config/suggest.js';
import type { ChannelConfig } from '../config/types.js';
import type { ChannelSettings, Endpoint, SettingsIssues } from './types.js';

/** Every channel's request timeout in seconds unless it sets `timeout` / `timeout_s`. */
export const CHANNEL_TIMEOUT_S = 10;

/** Settings every channel accepts besides its own `keys`. */
export const COMMON_KEYS = ['type', 'name', 'timeout', 'timeout_s'] as const;

const HTTP_URL = /^https?:\/\/[^/\s]+/i;

/**
 * The one check of a channel's settings, in place: a key the channel does not read is warned about, `timeout`
 * (the seed's name) or `timeout_s` becomes `timeout_s` seconds (the default for a channel that connects
 * somewhere), `headers` a map of text, the URL setting an http(s) URL, then the module's own normalisation.
 * Problems go to `issues` at `path.<key>`.
 */
export function normalizeChannelSettings(
  settings: Record<string, unknown>,
  spec: ChannelSettings,
  path: string,
  issues: SettingsIssues,
): void {
  const known = [...COMMON_KEYS, ...spec.keys];
  for (const key of Object.keys(settings)) {
    if (!known.includes(key)) issues.warn(`${path}.${key}`, unknownKeyNote(key, known));
  }
  normalizeTimeout(settings, Boolean(spec.url ?? spec.endpoint), path, issues);
  normalizeHeaders(settings, path, issues);
  spec.normalize?.(settings, path, issues);
  const urlKey = spec.url?.key;
  if (urlKey !== undefined && !isEmpty(settings[urlKey]) && !isHttpUrl(settings[urlKey])) {
    issues.error(`${path}.${urlKey}`, 'expected an http:// or https:// URL');
  }
}

/** Required keys that are missing (empty counts as missing) or hold a mapping instead of text. */
export function checkRequired(settings: Record<string, unknown>, spec: ChannelSettings): { missing: string[]; mappings: string[] } {
  const missing = spec.required.filter((key) => isEmpty(settings[key]));
  const mappings = spec.required.filter((key) => !isEmpty(settings[key]) && isMapping(settings[key]));
  return { missing, mappings };
}

/** The endpoint `doctor` checks: the module's own, else its URL setting (or default); null for nothing to reach. */
export function channelEndpoint(config: ChannelConfig, spec: ChannelSettings): Endpoint | null {
  if (spec.endpoint) return spec.endpoint(config);
  if (!spec.url) return null;
  const key = `channels.${config.name}.${spec.url.key}`;
  const text = baseUrl(config, spec);
  if (text === '') return null;
  let url: URL;
  try {
    // Placeholders such as {token} only ever sit in the path; the host is what matters here.
    url = new URL(text.replace(/\{[a-z_]+\}/gi, 'x'));
  } catch (error) {
    throw new ConfigError('is not a URL', { key, hint: 'use a full URL such as https://host/path', cause: error });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError('is not an http:// or https:// URL', { key, hint: 'use a full URL such as https://host/path' });
  }
  const tls = url.protocol === 'https:';
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return { host, port: url.port ? Number(url.port) : tls ? 443 : 80, tls, key };
}

/** The URL a channel sends to: its setting, else the module's default; no trailing slash. */
export function baseUrl(config: ChannelConfig, spec: ChannelSettings): string {
  if (!spec.url) return '';
  const value = config[spec.url.key];
  const { fallback } = spec.url;
  const text = typeof value === 'string' && value !== '' ? value : typeof fallback === 'function' ? fallback(config) : fallback;
  return text.replace(/\/+$/, '');
}

// `timeout` or `timeout_s`: a positive duration kept as `timeout_s` seconds.
function normalizeTimeout(settings: Record<string, unknown>, connects: boolean, path: string, issues: SettingsIssues): void {
  const key = settings.timeout_s !== undefined ? 'timeout_s' : 'timeout';
  const value = settings[key];
  delete settings.timeout;
  delete settings.timeout_s;
  if (isEmpty(value)) {
    if (connects) settings.timeout_s = CHANNEL_TIMEOUT_S;
    return;
  }
  try {
    settings.timeout_s = parseDuration(value, key);
  } catch {
    issues.error(`${path}.${key}`, 'expected a positive duration in seconds, or with s, m or h (e.g. 10, 30s, 1m)');
  }
}

// `headers:` as a map of text values.
function normalizeHeaders(settings: Record<string, unknown>, path: string, issues: SettingsIssues): void {
  const headers = settings.headers;
  if (headers === undefined || headers === null) {
    delete settings.headers;
    return;
  }
  if (!isMapping(headers)) {
    issues.error(`${path}.headers`, 'expected a mapping of header names to values, e.g. {Authorization: "Bearer ${TOKEN}"}');
    return;
  }
  const out: Record<string, string> = {};
  for (const [header, value] of Object.entries(headers)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[header] = String(value);
    else issues.error(`${path}.headers.${header}`, 'expected the header value as text');
  }
  settings.headers = out;
}

export const isEmpty = (value: unknown): boolean =>
  value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0);
export const isMapping = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isHttpUrl = (value: unknown) => typeof value === 'string' && HTTP_URL.test(value);
