import type { ChannelConfig } from '../../config/types.js';
import type { Report } from '../../report/types.js';
import { plainLite, renderReport, renderTitle } from '../../report/render.js';
import { deliverSafely, judgeAnswer, postRequest } from '../http.js';
import { channelRedactor, readBaseUrl, readTimeoutMs, requireString } from '../options.js';
import { robotKey, robotLimiter } from '../rate-limit.js';
import type { Channel, ChannelContext, ChannelSettings } from '../types.js';

export const WECOM_URL = 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send';
/** The group robot counts markdown content in UTF-8 bytes: at most 4096. */
export const WECOM_MAX_MARKDOWN_BYTES = 4096;
const TITLE_CHARS = 64;

export interface WecomMessage {
  msgtype: 'markdown';
  markdown: { content: string };
}

// Severity colours the robot's markdown knows: info (green), comment (grey), warning (orange-red).
const COLOUR = { info: 'info', warning: 'warning', error: 'warning', critical: 'warning' } as const;

/** Its settings: required, secret and known keys, and where it sends. */
export const settings: ChannelSettings = {
  required: ['key'],
  secretKeys: ['key'],
  keys: ['key', 'url'],
  url: { key: 'url', fallback: WECOM_URL },
};

/**
 * WeCom (企业微信) group robot: POST `{url}?key=…` with a markdown message of at most 4096 bytes; success is
 * `errcode == 0`. Sends wait for the robot's 20-a-minute limit.
 */
export function createChannel(config: ChannelConfig, ctx: ChannelContext): Channel<WecomMessage> {
  const key = requireString(config, 'key');
  const base = readBaseUrl(config, settings);
  const timeoutMs = readTimeoutMs(config);
  const redact = channelRedactor(ctx, [key]);
  return {
    name: config.name,
    type: config.type,
    format: (report: Report) => {
      // The robot's markdown is a subset (headings, bold, quotes, `<font>`): no code blocks, no lists, no
      // backslash escapes, so the body uses the `markdown-lite` layout with the log lines quoted.
      const head = `## <font color="${COLOUR[report.severity]}">${plainLite(renderTitle(report, TITLE_CHARS))}</font>\n`;
      const budget = WECOM_MAX_MARKDOWN_BYTES - Buffer.byteLength(head);
      const rendered = renderReport(report, 'markdown-lite', { maxBytes: budget });
      return { msgtype: 'markdown', markdown: { content: head + rendered.body } };
    },
    send: (message) =>
      deliverSafely(async () => {
        await robotLimiter.acquire(robotKey('wecom', key));
        const url = new URL(base);
        url.searchParams.set('key', key);
        const answer = await postRequest({ url: url.toString(), json: message, timeoutMs, redact });
        return judgeAnswer(answer, judgeWecom);
      }, redact),
  };
}

// `errcode == 0` is success; a bad key, a too-long message and the rate limit get plain words.
export function judgeWecom(json: unknown): { ok: boolean; detail?: string; retryable?: boolean } {
  if (!json || typeof json !== 'object') return { ok: false, detail: 'no JSON answer' };
  const { errcode, errmsg } = json as Record<string, unknown>;
  if (errcode === 0 || errcode === '0') return { ok: true };
  const code = Number(errcode);
  const message = typeof errmsg === 'string' ? errmsg.replace(/,?\s*hint:.*$/i, '').trim() : '';
  const raw = `errcode ${String(errcode)}${message ? `: ${message}` : ''}`;
  if (code === 93000 || code === 40001 || code === 40014 || /invalid webhook url|key/i.test(message)) {
    return { ok: false, detail: `bad key (${raw}); check \`key\``, retryable: false };
  }
  if (code === 45009 || /freq/i.test(message)) return { ok: false, detail: `rate limited (${raw})`, retryable: true };
  if (code === 40058 || /exceed|too long/i.test(message)) return { ok: false, detail: `message too long (${raw})`, retryable: false };
  return { ok: false, detail: raw, retryable: true };
}
