import type { ChannelConfig } from '../../config/types.js';
import type { Report } from '../../report/types.js';
import { renderReport } from '../../report/render.js';
import { deliverSafely, judgeAnswer, postRequest } from '../http.js';
import { channelRedactor, readBaseUrl, readTimeoutMs, requireString } from '../options.js';
import type { Channel, ChannelContext, ChannelSettings } from '../types.js';

export const SERVERCHAN_URL = 'https://sctapi.ftqq.com/{sendkey}.send';
/** Server酱³ keys (`sctp<uid>t…`) post to the user's own host. */
export const SERVERCHAN3_URL = 'https://{uid}.push.ft07.com/send/{sendkey}.send';
/** title at most 32 characters; desp (markdown) at most 32 KB. */
export const SERVERCHAN_LIMITS = { title: 32, despBytes: 32 * 1024 } as const;

export interface ServerchanMessage {
  title: string;
  desp: string;
}

/** Its settings: required, secret and known keys, and where it sends. */
export const settings: ChannelSettings = {
  required: ['sendkey'],
  secretKeys: ['sendkey'],
  keys: ['sendkey', 'url'],
  url: { key: 'url', fallback: (config) => defaultUrl(typeof config.sendkey === 'string' ? config.sendkey : '') },
};

/** ServerChan (Server酱 Turbo, and ³): POST `{sendkey}.send` with `{title, desp}`; success is `code == 0`. */
export function createChannel(config: ChannelConfig, ctx: ChannelContext): Channel<ServerchanMessage> {
  const sendkey = requireString(config, 'sendkey');
  const url = fillSendkey(readBaseUrl(config, settings), sendkey);
  const timeoutMs = readTimeoutMs(config);
  const redact = channelRedactor(ctx, [sendkey]);
  return {
    name: config.name,
    type: config.type,
    format: (report: Report) => {
      const rendered = renderReport(report, 'markdown', {
        maxTitleChars: SERVERCHAN_LIMITS.title,
        maxBytes: SERVERCHAN_LIMITS.despBytes - 256,
      });
      return { title: rendered.title, desp: rendered.body };
    },
    send: (message) =>
      deliverSafely(async () => {
        const answer = await postRequest({ url, json: message, timeoutMs, redact });
        return judgeAnswer(answer, judgeServerchan);
      }, redact),
  };
}

/** Turbo's URL, or Server酱³'s for a `sctp<uid>t…` key. */
export function defaultUrl(sendkey: string): string {
  const sc3 = /^sctp(\d+)t/i.exec(sendkey);
  return sc3 ? SERVERCHAN3_URL.replace('{uid}', sc3[1]) : SERVERCHAN_URL;
}

/** `{sendkey}` filled in (URL-encoded), or `/<sendkey>.send` appended. */
export function fillSendkey(url: string, sendkey: string): string {
  const encoded = encodeURIComponent(sendkey);
  return url.includes('{sendkey}') ? url.split('{sendkey}').join(encoded) : `${url}/${encoded}.send`;
}

// `code == 0` is success; a wrong key gets plain words.
export function judgeServerchan(json: unknown): { ok: boolean; detail?: string; retryable?: boolean } {
  if (!json || typeof json !== 'object') return { ok: false, detail: 'no JSON answer' };
  const { code, message, info } = json as Record<string, unknown>;
  if (code === 0 || code === '0') return { ok: true };
  const text = [message, info].find((m) => typeof m === 'string') as string | undefined;
  const raw = `code ${String(code)}${text ? `: ${text}` : ''}`;
  if (/key|token|auth/i.test(text ?? '')) return { ok: false, detail: `bad key (${raw}); check \`sendkey\``, retryable: false };
  if (/limit|too many|次数/i.test(text ?? '')) return { ok: false, detail: `rate limited (${raw})`, retryable: true };
  return { ok: false, detail: raw, retryable: true };
}
