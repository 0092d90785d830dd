import type { ChannelConfig } from '../../config/types.js';
import type { Report } from '../../report/types.js';
import { renderReport } from '../../report/render.js';
import { countChars } from '../../report/limits.js';
import { deliverSafely, judgeAnswer, postRequest } from '../http.js';
import { channelRedactor, keepHead, readBaseUrl, readHeaders, readString, readTimeoutMs, requireString } from '../options.js';
import type { Channel, ChannelContext, ChannelSettings, SettingsIssues } from '../types.js';

export const XXTUI_URL = 'https://www.xxtui.com/xxtui/{api_key}';
/** The seed document's illustrative URL, which is not a real endpoint: it means the default one. */
const SEED_PLACEHOLDER_URL = /^https?:\/\/(?:www\.)?xxtui\.com\/push\/?$/i;
/** The service shows `from` and the title in a notification line: both at most 20 characters. */
export const XXTUI_LIMITS = { from: 20, title: 20, content: 4000 } as const;

export interface XxtuiMessage {
  from: string;
  title: string;
  content: string;
  channel?: string;
}

/** Its settings: required, secret and known keys, and where it sends. */
export const settings: ChannelSettings = {
  required: ['api_key'],
  secretKeys: ['api_key'],
  keys: ['api_key', 'url', 'title', 'lead', 'from', 'channel', 'headers', 'body'],
  url: { key: 'url', fallback: XXTUI_URL },
  // The seed's api_keys.yaml holds a bare `api_key`.
  secretsFileKeys: { api_key: ['api_key'] },
  normalize: normalizeSeedSettings,
};

/** xxtui: POST `{url}` (the key filled into `{api_key}`, or appended) with `{from, title, content, channel?}`; success is `code == 0`. */
export function createChannel(config: ChannelConfig, ctx: ChannelContext): Channel<XxtuiMessage> {
  const apiKey = requireString(config, 'api_key');
  const url = fillKey(readBaseUrl(config, settings), apiKey);
  const fixedTitle = readString(config, 'title');
  const lead = readString(config, 'lead');
  const from = keepHead(readString(config, 'from') ?? 'hpc-run', XXTUI_LIMITS.from);
  const target = readString(config, 'channel');
  const headers = readHeaders(config);
  const timeoutMs = readTimeoutMs(config);
  const redact = channelRedactor(ctx, [apiKey]);
  return {
    name: config.name,
    type: config.type,
    format: (report: Report) => {
      // The seed's fixed title and lead ("训练完成通知", "训练任务已完成") speak of a finished run: they are used for a
      // success only; any other end, and a test message, gets the status-aware title and no lead.
      const finished = report.status === 'success' && !report.test;
      const leadLine = finished && lead ? `${keepHead(lead, 200)}\n` : '';
      const rendered = renderReport(report, 'text', {
        maxChars: XXTUI_LIMITS.content - countChars(leadLine),
        maxTitleChars: XXTUI_LIMITS.title,
      });
      const message: XxtuiMessage = {
        from,
        title: finished && fixedTitle ? keepHead(fixedTitle, XXTUI_LIMITS.title) : rendered.title,
        content: leadLine + rendered.body,
      };
      if (target) message.channel = target;
      return message;
    },
    send: (message) =>
      deliverSafely(async () => {
        const answer = await postRequest({ url, json: message, headers, timeoutMs, redact });
        return judgeAnswer(answer, (json) => judgeCode(json));
      }, redact),
  };
}

// `{api_key}` filled in URL-encoded; a URL without the placeholder gets `/<key>` appended (the seed's `url: …/push`).
export function fillKey(url: string, apiKey: string): string {
  const encoded = encodeURIComponent(apiKey);
  return url.includes('{api_key}') ? url.split('{api_key}').join(encoded) : `${url}/${encoded}`;
}

/**
 * The seed's settings in the channel's terms: `url` always holds `{api_key}` (the default endpoint; the seed
 * document's placeholder `https://xxtui.com/push` means the default; another URL without it gets `/{api_key}`),
 * `body.title` becomes the message `title`, `body.content` its first line `lead`.
 */
function normalizeSeedSettings(settings: Record<string, unknown>, path: string, issues: SettingsIssues): void {
  const url = settings.url;
  if (url === undefined || url === null || url === '') settings.url = XXTUI_URL;
  else if (typeof url === 'string') settings.url = withKeyPlaceholder(url);
  const body = settings.body;
  delete settings.body;
  if (body === undefined || body === null) return;
  if (typeof body !== 'object' || Array.isArray(body)) {
    issues.error(`${path}.body`, 'expected a mapping with title and content (the message title and its first line)');
    return;
  }
  for (const [from, to] of [['title', 'title'], ['content', 'lead']] as const) {
    const value = (body as Record<string, unknown>)[from];
    if (value === undefined || value === null || value === '') continue;
    if (typeof value !== 'string' && typeof value !== 'number') issues.error(`${path}.body.${from}`, 'expected text');
    else if (settings[to] === undefined || settings[to] === null || settings[to] === '') settings[to] = String(value);
  }
  for (const key of Object.keys(body)) {
    if (key !== 'title' && key !== 'content') issues.warn(`${path}.body.${key}`, 'is ignored (the message is {from, title, content})');
  }
}

/** The URL with `{api_key}` in it: the seed's placeholder endpoint maps to the real one, others get `/{api_key}`. */
export function withKeyPlaceholder(url: string): string {
  if (SEED_PLACEHOLDER_URL.test(url.trim())) return XXTUI_URL;
  if (url.includes('{api_key}')) return url;
  return `${url.replace(/\/+$/, '')}/{api_key}`;
}

// xxtui answers `{"code": 0, …}` on success; anything else carries its code and message.
function judgeCode(json: unknown): { ok: boolean; detail?: string } {
  if (!json || typeof json !== 'object') return { ok: false, detail: 'no JSON answer' };
  const { code, msg, message } = json as Record<string, unknown>;
  if (code === 0 || code === '0') return { ok: true };
  const reason = typeof msg === 'string' ? msg : typeof message === 'string' ? message : '';
  return { ok: false, detail: `code ${String(code)}${reason ? `: ${reason}` : ''}` };
}
