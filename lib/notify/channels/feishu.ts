import { createHmac } from 'node:crypto';
import type { ChannelConfig } from '../../config/types.js';
import type { Report } from '../../report/types.js';
import { renderReport } from '../../report/render.js';
import { deliverSafely, judgeAnswer, postRequest } from '../http.js';
import { channelRedactor, readBaseUrl, readChoice, readString, readTimeoutMs, requireString } from '../options.js';
import type { Channel, ChannelContext, ChannelSettings } from '../types.js';

export const FEISHU_URL = 'https://open.feishu.cn/open-apis/bot/v2/hook/{token}';
export const LARK_URL = 'https://open.larksuite.com/open-apis/bot/v2/hook/{token}';
/** The bot refuses request bodies over 20 KB; we stay under 20,000 bytes. */
export const FEISHU_MAX_BODY_BYTES = 20_000;
const TITLE_CHARS = 64;
const MSG_TYPES = ['post', 'text', 'interactive'] as const;
type MsgType = (typeof MSG_TYPES)[number];

/** The request body without the signature fields (they are added at send time, when the timestamp is fresh). */
export type FeishuMessage =
  | { msg_type: 'text'; content: { text: string } }
  | { msg_type: 'post'; content: { post: Record<string, { title: string; content: Array<Array<{ tag: 'text'; text: string }>> }> } }
  | { msg_type: 'interactive'; card: Record<string, unknown> };

// Card header colours by severity.
const TEMPLATE = { info: 'green', warning: 'orange', error: 'red', critical: 'carmine' } as const;

/** Its settings: required, secret and known keys, and where it sends. */
export const settings: ChannelSettings = {
  required: ['token'],
  secretKeys: ['token', 'secret'],
  keys: ['token', 'secret', 'url', 'msg_type', 'keyword'],
  url: { key: 'url', fallback: (config) => (config.type === 'lark' ? LARK_URL : FEISHU_URL) },
};

/**
 * Feishu (飞书) and Lark custom bot: POST `{url}` (token in `{token}` or appended) with `{msg_type, content}`
 * (`card` for interactive); with `secret`, `timestamp` and `sign` go in the body. Success is `code == 0`
 * (older answers: `StatusCode == 0`).
 */
export function createChannel(config: ChannelConfig, ctx: ChannelContext): Channel<FeishuMessage> {
  const token = requireString(config, 'token');
  const secret = readString(config, 'secret');
  const url = fillToken(readBaseUrl(config, settings), token);
  const msgType = readChoice<MsgType>(config, 'msg_type', MSG_TYPES, 'post');
  const keyword = readString(config, 'keyword');
  const timeoutMs = readTimeoutMs(config);
  const redact = channelRedactor(ctx, [token, secret]);
  return {
    name: config.name,
    type: config.type,
    format: (report: Report) => fitMessage(report, msgType, keyword),
    send: (message) =>
      deliverSafely(async () => {
        const json = secret ? { ...signFields(Math.floor(Date.now() / 1000), secret), ...message } : message;
        const answer = await postRequest({ url, json, timeoutMs, redact });
        return judgeAnswer(answer, judgeFeishu);
      }, redact),
  };
}

// Renders within a byte budget, then shrinks the budget by what the JSON framing added until the whole
// request (with room for the signature fields) fits.
function fitMessage(report: Report, msgType: MsgType, keyword: string | undefined): FeishuMessage {
  const limit = FEISHU_MAX_BODY_BYTES - 200;
  let budget = limit - TITLE_CHARS * 4;
  let message = buildMessage(report, msgType, keyword, budget);
  for (let i = 0; i < 8; i++) {
    const size = Buffer.byteLength(JSON.stringify(message));
    if (size <= limit) return message;
    budget = Math.max(0, budget - (size - limit) - 64);
    message = buildMessage(report, msgType, keyword, budget);
  }
  return buildMessage(report, msgType, keyword, 0);
}

// One message of the chosen type, its body rendered within `budget` bytes.
function buildMessage(report: Report, msgType: MsgType, keyword: string | undefined, budget: number): FeishuMessage {
  const lead = keyword ? `${keyword}\n` : '';
  const format = msgType === 'interactive' ? 'markdown' : 'text';
  const rendered = renderReport(report, format, { maxTitleChars: TITLE_CHARS, maxBytes: Math.max(1, budget - Buffer.byteLength(lead)) });
  const body = lead + rendered.body;
  if (msgType === 'text') return { msg_type: 'text', content: { text: `${rendered.title}\n${body}` } };
  if (msgType === 'interactive') {
    return {
      msg_type: 'interactive',
      card: {
        header: { title: { tag: 'plain_text', content: rendered.title }, template: TEMPLATE[report.severity] },
        elements: [{ tag: 'markdown', content: body }],
      },
    };
  }
  const lang = report.language === 'zh' ? 'zh_cn' : 'en_us';
  const paragraphs = body.split('\n').map((line) => [{ tag: 'text' as const, text: line }]);
  return { msg_type: 'post', content: { post: { [lang]: { title: rendered.title, content: paragraphs } } } };
}

/** `{token}` filled in (URL-encoded), or `/<token>` appended to a URL without the placeholder. */
export function fillToken(url: string, token: string): string {
  const encoded = encodeURIComponent(token);
  return url.includes('{token}') ? url.split('{token}').join(encoded) : `${url}/${encoded}`;
}

/** The bot's signature: base64(HMAC-SHA256(key = `timestamp_s + "\n" + secret`, data = empty)). */
export function signFeishu(timestampS: number, secret: string): string {
  return createHmac('sha256', `${timestampS}\n${secret}`).update('').digest('base64');
}

// The two body fields a signed request carries.
function signFields(timestampS: number, secret: string): { timestamp: string; sign: string } {
  return { timestamp: String(timestampS), sign: signFeishu(timestampS, secret) };
}

// `code == 0` (or the older `StatusCode == 0`) is success; refusals get plain words.
export function judgeFeishu(json: unknown): { ok: boolean; detail?: string; retryable?: boolean } {
  if (!json || typeof json !== 'object') return { ok: false, detail: 'no JSON answer' };
  const answer = json as Record<string, unknown>;
  const code = answer.code ?? answer.StatusCode;
  if (code === 0 || code === '0') return { ok: true };
  const text = [answer.msg, answer.StatusMessage].find((m) => typeof m === 'string') as string | undefined;
  const raw = `code ${String(code)}${text ? `: ${text}` : ''}`;
  const n = Number(code);
  if (n === 19021 || /sign/i.test(text ?? '')) {
    return { ok: false, detail: `signature rejected (${raw}); check \`secret\``, retryable: false };
  }
  if (n === 19024 || /key ?words?/i.test(text ?? '')) {
    return { ok: false, detail: `keyword missing (${raw}); set \`keyword\` to the bot's keyword`, retryable: false };
  }
  if (n === 19022 || /\bip\b/i.test(text ?? '')) return { ok: false, detail: `address not allowed (${raw})`, retryable: false };
  if (n === 19001 || /token|webhook|not found/i.test(text ?? '')) {
    return { ok: false, detail: `bad key (${raw}); check \`token\``, retryable: false };
  }
  if (/too many|frequen|rate/i.test(text ?? '')) return { ok: false, detail: `rate limited (${raw})`, retryable: true };
  return { ok: false, detail: raw, retryable: true };
}
