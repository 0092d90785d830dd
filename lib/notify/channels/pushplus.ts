import type { ChannelConfig } from '../../config/types.js';
import type { RenderFormat, Report } from '../../report/types.js';
import { renderReport } from '../../report/render.js';
import { deliverSafely, judgeAnswer, postRequest } from '../http.js';
import { channelRedactor, readBaseUrl, readChoice, readString, readTimeoutMs, requireString } from '../options.js';
import type { Channel, ChannelContext, ChannelSettings } from '../types.js';

export const PUSHPLUS_URL = 'https://www.pushplus.plus/send';
/** content at most 20,000 characters; the title is kept within 100. */
export const PUSHPLUS_LIMITS = { title: 100, contentChars: 20_000 } as const;
const TEMPLATES = ['markdown', 'html', 'txt'] as const;
type Template = (typeof TEMPLATES)[number];
const FORMAT: Record<Template, RenderFormat> = { markdown: 'markdown', html: 'html', txt: 'text' };

export interface PushplusMessage {
  token: string;
  title: string;
  content: string;
  template: Template;
  channel?: string;
  topic?: string;
}

/** Its settings: required, secret and known keys, and where it sends. */
export const settings: ChannelSettings = {
  required: ['token'],
  secretKeys: ['token'],
  keys: ['token', 'url', 'template', 'channel', 'topic'],
  url: { key: 'url', fallback: PUSHPLUS_URL },
};

/** PushPlus (推送加): POST `send` with `{token, title, content, template}`; success is `code == 200`. */
export function createChannel(config: ChannelConfig, ctx: ChannelContext): Channel<PushplusMessage> {
  const token = requireString(config, 'token');
  const url = readBaseUrl(config, settings);
  const template = readChoice<Template>(config, 'template', TEMPLATES, 'markdown');
  const channel = readString(config, 'channel');
  const topic = readString(config, 'topic');
  const timeoutMs = readTimeoutMs(config);
  const redact = channelRedactor(ctx, [token]);
  return {
    name: config.name,
    type: config.type,
    format: (report: Report) => {
      const rendered = renderReport(report, FORMAT[template], {
        maxTitleChars: PUSHPLUS_LIMITS.title,
        maxChars: PUSHPLUS_LIMITS.contentChars,
      });
      const message: PushplusMessage = { token, title: rendered.title, content: rendered.body, template };
      if (channel) message.channel = channel;
      if (topic) message.topic = topic;
      return message;
    },
    send: (message) =>
      deliverSafely(async () => {
        const answer = await postRequest({ url, json: message, timeoutMs, redact });
        return judgeAnswer(answer, judgePushplus);
      }, redact),
  };
}

// `code == 200` is success; 999 (and token words) mean a wrong token, 900 a limit.
export function judgePushplus(json: unknown): { ok: boolean; detail?: string; retryable?: boolean } {
  if (!json || typeof json !== 'object') return { ok: false, detail: 'no JSON answer' };
  const { code, msg } = json as Record<string, unknown>;
  if (code === 200 || code === '200') return { ok: true };
  const text = typeof msg === 'string' ? msg : '';
  const raw = `code ${String(code)}${text ? `: ${text}` : ''}`;
  if (Number(code) === 999 || /token/i.test(text)) return { ok: false, detail: `bad key (${raw}); check \`token\``, retryable: false };
  if (Number(code) === 900 || /频繁|limit|超过/i.test(text)) return { ok: false, detail: `rate limited (${raw})`, retryable: true };
  return { ok: false, detail: raw, retryable: true };
}
