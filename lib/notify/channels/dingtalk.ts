import { createHmac } from 'node:crypto';
import type { ChannelConfig } from '../../config/types.js';
import type { Report } from '../../report/types.js';
import { plainLite, renderReport, renderTitle } from '../../report/render.js';
import { deliverSafely, judgeAnswer, postRequest } from '../http.js';
import { channelRedactor, readBaseUrl, readBoolean, readString, readTimeoutMs, requireString } from '../options.js';
import { robotKey, robotLimiter } from '../rate-limit.js';
import type { Channel, ChannelContext, ChannelSettings } from '../types.js';

export const DINGTALK_URL = 'https://oapi.dingtalk.com/robot/send';
/** The robot refuses a request body over 20,000 bytes (`460101 message too long, exceed 20000 bytes`). */
export const DINGTALK_MAX_TEXT_BYTES = 20_000;
const TITLE_CHARS = 64;

export interface DingtalkMessage {
  msgtype: 'markdown';
  markdown: { title: string; text: string };
  at?: { isAtAll: boolean };
}

/** Its settings: required, secret and known keys, and where it sends. */
export const settings: ChannelSettings = {
  required: ['access_token'],
  secretKeys: ['access_token', 'secret'],
  keys: ['access_token', 'secret', 'url', 'at_all', 'keyword'],
  url: { key: 'url', fallback: DINGTALK_URL },
};

/**
 * DingTalk custom robot: POST `{url}?access_token=…` (plus `&timestamp=&sign=` when `secret` is set) with a
 * markdown message; `@all` for critical reports; success is `errcode == 0`. Sends wait for the robot's
 * 20-a-minute limit.
 */
export function createChannel(config: ChannelConfig, ctx: ChannelContext): Channel<DingtalkMessage> {
  const token = requireString(config, 'access_token');
  const secret = readString(config, 'secret');
  const base = readBaseUrl(config, settings);
  const atAllOnCritical = readBoolean(config, 'at_all', true);
  // A robot secured by keyword only accepts messages containing it.
  const keyword = readString(config, 'keyword');
  const keywordLine = keyword ? `${keyword}\n\n` : '';
  const timeoutMs = readTimeoutMs(config);
  const redact = channelRedactor(ctx, [token, secret]);
  return {
    name: config.name,
    type: config.type,
    format: (report: Report) => {
      // The robot's markdown is a subset (headings, bold, quotes, links, lists): no code blocks and no backslash
      // escapes, so the body uses the `markdown-lite` layout with the log lines quoted. The robot refuses a
      // request over 20,000 bytes: the whole JSON body is kept under it.
      const title = renderTitle(report, TITLE_CHARS);
      const build = (body: string): DingtalkMessage => {
        const message: DingtalkMessage = {
          msgtype: 'markdown',
          markdown: { title, text: `### ${plainLite(title)}\n\n${keywordLine}${body}` },
        };
        if (atAllOnCritical && report.severity === 'critical') message.at = { isAtAll: true };
        return message;
      };
      const frame = Buffer.byteLength(JSON.stringify(build('')));
      // JSON escaping (quotes, backslashes, newlines) adds bytes: the budget shrinks by the excess until it fits.
      let budget = DINGTALK_MAX_TEXT_BYTES - frame;
      for (;;) {
        const message = build(renderReport(report, 'markdown-lite', { maxBytes: Math.max(0, budget) }).body);
        const over = Buffer.byteLength(JSON.stringify(message)) - DINGTALK_MAX_TEXT_BYTES;
        if (over <= 0 || budget <= 0) return message;
        budget -= over;
      }
    },
    send: (message) =>
      deliverSafely(async () => {
        await robotLimiter.acquire(robotKey('dingtalk', token));
        const url = signedUrl(base, token, secret, Date.now());
        const answer = await postRequest({ url, json: message, timeoutMs, redact });
        return judgeAnswer(answer, judgeDingtalk);
      }, redact),
  };
}

/** The robot's signature: base64(HMAC-SHA256(key = secret, data = `timestamp_ms + "\n" + secret`)). */
export function signDingtalk(timestampMs: number, secret: string): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`, 'utf8').digest('base64');
}

/** `{base}?access_token=…[&timestamp=…&sign=…]`, every value URL-encoded. */
export function signedUrl(base: string, token: string, secret: string | undefined, timestampMs: number): string {
  const url = new URL(base);
  url.searchParams.set('access_token', token);
  if (secret) {
    url.searchParams.set('timestamp', String(timestampMs));
    url.searchParams.set('sign', signDingtalk(timestampMs, secret));
  }
  return url.toString();
}

// `errcode == 0` is success; the known refusals get plain words and are not retried.
export function judgeDingtalk(json: unknown): { ok: boolean; detail?: string; retryable?: boolean } {
  if (!json || typeof json !== 'object') return { ok: false, detail: 'no JSON answer' };
  const { errcode, errmsg } = json as Record<string, unknown>;
  if (errcode === 0 || errcode === '0') return { ok: true };
  const code = Number(errcode);
  const message = typeof errmsg === 'string' ? errmsg : '';
  const raw = `errcode ${String(errcode)}${message ? `: ${message}` : ''}`;
  if (code === 310000 && /sign/i.test(message)) {
    return { ok: false, detail: `signature rejected (${raw}); check \`secret\``, retryable: false };
  }
  if (code === 310000 && /keyword/i.test(message)) {
    return { ok: false, detail: `keyword missing (${raw}); set \`keyword\` to the robot's keyword, or use signing`, retryable: false };
  }
  if (code === 310000 && /\bip\b/i.test(message)) return { ok: false, detail: `address not allowed (${raw})`, retryable: false };
  if (code === 300001 || /token/i.test(message)) {
    return { ok: false, detail: `bad key (${raw}); check \`access_token\``, retryable: false };
  }
  if (code === 130101 || /too fast|limit/i.test(message)) return { ok: false, detail: `rate limited (${raw})`, retryable: true };
  return { ok: false, detail: raw, retryable: true };
}
