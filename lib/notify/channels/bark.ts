import type { ChannelConfig } from '../../config/types.js';
import type { Severity } from '../../common/marker.js';
import type { Report } from '../../report/types.js';
import { renderReport } from '../../report/render.js';
import { deliverSafely, judgeAnswer, postRequest, shortBody, type HttpAnswer } from '../http.js';
import { channelRedactor, readBaseUrl, readString, readTimeoutMs, requireString } from '../options.js';
import type { Channel, ChannelContext, ChannelSettings, Delivery } from '../types.js';

export const BARK_SERVER = 'https://api.day.app';
/** A phone notification: the summary and the last lines, kept short. */
export const BARK_MAX_BODY_CHARS = 1000;
const TITLE_CHARS = 100;

/**
 * Bark interruption levels: `critical` sounds even when muted, `timeSensitive` breaks through Focus,
 * `active` is an ordinary notification.
 */
export const BARK_LEVEL: Record<Severity, 'critical' | 'timeSensitive' | 'active'> = {
  info: 'active',
  warning: 'timeSensitive',
  error: 'timeSensitive',
  critical: 'critical',
};

export interface BarkMessage {
  device_key: string;
  title: string;
  body: string;
  level: string;
  group: string;
}

/** Its settings: required, secret and known keys, and where it sends. */
export const settings: ChannelSettings = {
  required: ['device_key'],
  secretKeys: ['device_key'],
  keys: ['device_key', 'server', 'group'],
  url: { key: 'server', fallback: BARK_SERVER },
};

/** Bark (iOS): POST `{server}/push` with `{device_key, title, body, level, group}`; success is `code == 200`. */
export function createChannel(config: ChannelConfig, ctx: ChannelContext): Channel<BarkMessage> {
  const deviceKey = requireString(config, 'device_key');
  const server = readBaseUrl(config, settings);
  const group = readString(config, 'group') ?? 'hpc-run';
  const timeoutMs = readTimeoutMs(config);
  const redact = channelRedactor(ctx, [deviceKey]);
  return {
    name: config.name,
    type: config.type,
    format: (report: Report) => {
      const rendered = renderReport(report, 'text', { maxTitleChars: TITLE_CHARS, maxChars: BARK_MAX_BODY_CHARS });
      return { device_key: deviceKey, title: rendered.title, body: rendered.body, level: BARK_LEVEL[report.severity], group };
    },
    send: (message) =>
      deliverSafely(async () => {
        const answer = await postRequest({ url: `${server}/push`, json: message, timeoutMs, redact });
        return judgeBark(answer);
      }, redact),
  };
}

/** `code == 200` is success; the server answers a wrong device key with HTTP 400 and its own code and message. */
export function judgeBark(answer: HttpAnswer): Delivery {
  const json = (answer.json && typeof answer.json === 'object' ? answer.json : {}) as Record<string, unknown>;
  const message = typeof json.message === 'string' ? json.message : '';
  if (answer.status >= 200 && answer.status <= 299) {
    return judgeAnswer(answer, () =>
      Number(json.code) === 200
        ? { ok: true }
        : {
            ok: false,
            detail:
              json.code === undefined
                ? 'an answer without Bark\'s code (is `server` a Bark server?)'
                : `code ${String(json.code)}${message ? `: ${message}` : ''}`,
          },
    );
  }
  const raw = `HTTP ${answer.status}: ${message || shortBody(answer.body) || 'no answer'}`;
  if (/device token|device key|not found/i.test(message) || answer.status === 401 || answer.status === 403) {
    return { ok: false, detail: `bad key (${raw}); check \`device_key\``, retryable: false };
  }
  return judgeAnswer(answer, () => ({ ok: false }));
}
