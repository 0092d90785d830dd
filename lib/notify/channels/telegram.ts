import type { ChannelConfig } from '../../config/types.js';
import type { Report } from '../../report/types.js';
import { escapeHtml, renderReport } from '../../report/render.js';
import { deliverSafely, judgeAnswer, postRequest } from '../http.js';
import { channelRedactor, readBaseUrl, readBoolean, requireString, readTimeoutMs } from '../options.js';
import type { Channel, ChannelContext, ChannelSettings } from '../types.js';

export const TELEGRAM_URL = 'https://api.telegram.org';
/** Telegram counts 4,096 characters of text after entities are parsed (tags and escapes do not count). */
export const TELEGRAM_LIMITS = { text: 4_096, title: 200 } as const;

export interface TelegramMessage {
  chat_id: string;
  text: string;
  parse_mode: 'HTML';
  disable_web_page_preview: boolean;
  disable_notification?: boolean;
}

/** Its settings: required, secret and known keys, and where it sends. */
export const settings: ChannelSettings = {
  required: ['token', 'chat_id'],
  secretKeys: ['token'],
  keys: ['token', 'chat_id', 'url', 'silent'],
  url: { key: 'url', fallback: TELEGRAM_URL },
};

/** Telegram bot: POST `{url}/bot<TOKEN>/sendMessage`, HTML text (title bold, log preformatted); success is `"ok": true`. */
export function createChannel(config: ChannelConfig, ctx: ChannelContext): Channel<TelegramMessage> {
  const token = requireString(config, 'token');
  const chatId = requireString(config, 'chat_id');
  const base = readBaseUrl(config, settings);
  const silent = readBoolean(config, 'silent', false);
  const timeoutMs = readTimeoutMs(config);
  // The token sits in the URL path: every message and detail goes through this redactor.
  const redact = channelRedactor(ctx, [token]);
  const url = `${base}/bot${token}/sendMessage`;
  return {
    name: config.name,
    type: config.type,
    format: (report: Report) => {
      // Telegram counts visible characters; the rendered body is measured with its tags and escapes, so it fits.
      const rendered = renderReport(report, 'html', {
        maxChars: TELEGRAM_LIMITS.text - TELEGRAM_LIMITS.title - 2,
        maxTitleChars: TELEGRAM_LIMITS.title,
      });
      const message: TelegramMessage = {
        chat_id: chatId,
        text: `<b>${escapeHtml(rendered.title)}</b>\n\n${rendered.body}`,
        parse_mode: 'HTML',
        disable_web_page_preview: true,
      };
      if (silent) message.disable_notification = true;
      return message;
    },
    send: (message) =>
      deliverSafely(async () => {
        const answer = await postRequest({ url, json: message, timeoutMs, redact });
        const delivery = judgeAnswer(answer, (json) => judgeOk(json));
        const description = (answer.json as { description?: unknown } | null)?.description;
        if (!delivery.ok && delivery.detail.startsWith('HTTP') && typeof description === 'string') {
          return { ...delivery, detail: `HTTP ${answer.status}: ${description}` };
        }
        return delivery;
      }, redact),
  };
}

// Telegram answers `{"ok": true, "result": …}` or `{"ok": false, "error_code", "description"}`.
function judgeOk(json: unknown): { ok: boolean; detail?: string; retryable?: boolean } {
  const answer = (json ?? {}) as { ok?: unknown; description?: unknown; error_code?: unknown };
  if (answer.ok === true) return { ok: true };
  const description = typeof answer.description === 'string' ? answer.description : 'no "ok": true in the answer';
  return { ok: false, detail: description, retryable: answer.error_code !== 400 && answer.error_code !== 401 };
}
