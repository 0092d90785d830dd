import type { ChannelConfig } from '../../config/types.js';
import type { Severity } from '../../common/marker.js';
import type { Report } from '../../report/types.js';
import { renderReport } from '../../report/render.js';
import { deliverSafely, judgeAnswer, postRequest, type HttpAnswer } from '../http.js';
import { channelRedactor, readBaseUrl, readString, readTimeoutMs, requireString } from '../options.js';
import type { Channel, ChannelContext, ChannelSettings, Delivery } from '../types.js';

export const NTFY_SERVER = 'https://ntfy.sh';
/** ntfy keeps messages up to 4096 bytes as text (longer ones become attachments). */
export const NTFY_MAX_MESSAGE_BYTES = 4096;
const TITLE_CHARS = 100;

/** ntfy priorities: 1 min … 3 default … 5 max. */
export const NTFY_PRIORITY: Record<Severity, number> = { info: 3, warning: 4, error: 4, critical: 5 };
/** Tag names ntfy shows as emoji in front of the title. */
export const NTFY_TAGS: Record<Report['status'], string> = {
  success: 'white_check_mark',
  failed: 'x',
  terminated: 'stop_sign',
  timeout: 'hourglass',
  lost: 'rotating_light',
  stalled: 'zzz',
  gpu_idle: 'sleeping',
  resumed: 'arrow_forward',
  attempt_failed: 'repeat',
};

export interface NtfyMessage {
  title: string;
  body: string;
  priority: number;
  tags: string[];
}

/** Its settings: required, secret and known keys, and where it sends. */
export const settings: ChannelSettings = {
  required: ['topic'],
  secretKeys: ['token'],
  keys: ['topic', 'server', 'token', 'tags'],
  url: { key: 'server', fallback: NTFY_SERVER },
};

/**
 * ntfy: POST `{server}/{topic}` with the text as the body and `X-Title`, `X-Priority` (from severity), `X-Tags`;
 * `Authorization: Bearer <token>` for protected topics. Success is any 2xx.
 */
export function createChannel(config: ChannelConfig, ctx: ChannelContext): Channel<NtfyMessage> {
  const topic = requireString(config, 'topic');
  const server = readBaseUrl(config, settings);
  const token = readString(config, 'token');
  const extraTags = (readString(config, 'tags') ?? '').split(',').map((t) => t.trim()).filter(Boolean);
  const timeoutMs = readTimeoutMs(config);
  const redact = channelRedactor(ctx, [token]);
  const url = `${server}/${encodeURIComponent(topic)}`;
  return {
    name: config.name,
    type: config.type,
    format: (report: Report) => {
      const rendered = renderReport(report, 'text', { maxTitleChars: TITLE_CHARS, maxBytes: NTFY_MAX_MESSAGE_BYTES });
      return {
        title: rendered.title,
        body: rendered.body,
        priority: NTFY_PRIORITY[report.severity],
        tags: [NTFY_TAGS[report.status], 'hpc-run', ...extraTags],
      };
    },
    send: (message) =>
      deliverSafely(async () => {
        const headers: Record<string, string> = {
          'content-type': 'text/plain; charset=utf-8',
          'x-title': encodeHeader(message.title),
          'x-priority': String(message.priority),
          'x-tags': encodeHeader(message.tags.join(',')),
        };
        if (token) headers.authorization = `Bearer ${token}`;
        const answer = await postRequest({ url, body: message.body, headers, timeoutMs, redact });
        return judgeNtfy(answer);
      }, redact),
  };
}

/** Any 2xx is delivered; a refused token or topic and the server's rate limit get plain words. */
export function judgeNtfy(answer: HttpAnswer): Delivery {
  const delivery = judgeAnswer(answer, () => ({ ok: true }));
  if (delivery.ok) return delivery;
  const json = (answer.json ?? {}) as Record<string, unknown>;
  const why = typeof json.error === 'string' ? `HTTP ${answer.status}: ${json.error}` : delivery.detail;
  if (answer.status === 401 || answer.status === 403) {
    return { ok: false, detail: `bad key (${why}); check \`token\` and the topic's access`, retryable: false };
  }
  if (answer.status === 429) return { ok: false, detail: `rate limited (${why})`, retryable: true };
  return { ...delivery, detail: why };
}

/** Header values must be ASCII: anything else goes as RFC 2047 `=?UTF-8?B?…?=`, which ntfy decodes. */
export function encodeHeader(value: string): string {
  const flat = value.replace(/[\r\n]+/g, ' ');
  if (/^[\x20-\x7e]*$/.test(flat)) return flat;
  return `=?UTF-8?B?${Buffer.from(flat, 'utf8').toString('base64')}?=`;
}
