import type { ChannelConfig } from '../config/types.js';
import { BARK_SERVER } from '../notify/channels/bark.js';
import { DINGTALK_URL } from '../notify/channels/dingtalk.js';
import { FEISHU_URL, LARK_URL } from '../notify/channels/feishu.js';
import { NTFY_SERVER } from '../notify/channels/ntfy.js';
import { PUSHPLUS_URL } from '../notify/channels/pushplus.js';
import { defaultUrl as serverchanUrl } from '../notify/channels/serverchan.js';
import { TELEGRAM_URL } from '../notify/channels/telegram.js';
import { WECOM_URL } from '../notify/channels/wecom.js';
import { XXTUI_URL } from '../notify/channels/xxtui.js';

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

// The setting holding each type's base URL, and its default (a function of the config where it depends on a key).
const URL_SETTINGS: Record<string, { key: string; fallback: (c: ChannelConfig) => string }> = {
  xxtui: { key: 'url', fallback: () => XXTUI_URL },
  webhook: { key: 'url', fallback: () => '' },
  slack: { key: 'url', fallback: () => '' },
  discord: { key: 'url', fallback: () => '' },
  telegram: { key: 'url', fallback: () => TELEGRAM_URL },
  dingtalk: { key: 'url', fallback: () => DINGTALK_URL },
  wecom: { key: 'url', fallback: () => WECOM_URL },
  feishu: { key: 'url', fallback: () => FEISHU_URL },
  lark: { key: 'url', fallback: () => LARK_URL },
  ntfy: { key: 'server', fallback: () => NTFY_SERVER },
  bark: { key: 'server', fallback: () => BARK_SERVER },
  serverchan: { key: 'url', fallback: (c) => serverchanUrl(typeof c.sendkey === 'string' ? c.sendkey : '') },
  pushplus: { key: 'url', fallback: () => PUSHPLUS_URL },
};

/**
 * The endpoint a channel will connect to, null for channels that connect nowhere (console) or types this
 * check does not know; throws a plain Error naming the setting when its URL does not parse.
 */
export function channelEndpoint(config: ChannelConfig): Endpoint | null {
  if (config.type === 'email') return mailEndpoint(config);
  const setting = URL_SETTINGS[config.type];
  if (!setting) return null;
  const key = `channels.${config.name}.${setting.key}`;
  const raw = config[setting.key];
  const text = typeof raw === 'string' && raw !== '' ? raw : setting.fallback(config);
  let url: URL;
  try {
    // Placeholders such as {token} only ever sit in the path; the host is what matters here.
    url = new URL(text.replace(/\{[a-z_]+\}/gi, 'x'));
  } catch {
    throw new Error(`${key} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${key} is not an http:// or https:// URL`);
  const tls = url.protocol === 'https:';
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return { host, port: url.port ? Number(url.port) : tls ? 443 : 80, tls, key };
}

// SMTP: port 465 (or security: tls) starts with TLS; STARTTLS upgrades inside the SMTP dialogue, not checked here.
function mailEndpoint(config: ChannelConfig): Endpoint | null {
  const host = typeof config.host === 'string' ? config.host : '';
  if (!host) return null;
  const port = Number(config.port ?? '') || undefined;
  const security = typeof config.security === 'string' ? config.security.toLowerCase() : port === 465 ? 'tls' : 'starttls';
  const resolvedPort = port ?? (security === 'tls' ? 465 : 587);
  return {
    host,
    port: resolvedPort,
    tls: security === 'tls',
    key: `channels.${config.name}.host`,
    note: security === 'starttls' ? 'STARTTLS is negotiated by the mail server after connecting; `train-monitor test` checks it' : undefined,
  };
}
