import type { ChannelConfig } from '../../config/types.js';
import type { Report } from '../../report/types.js';
import { renderReport } from '../../report/render.js';
import { deliverSafely, judgeAnswer, postRequest } from '../http.js';
import { channelRedactor, keepHead, keepTail, readBaseUrl, readString, readTimeoutMs } from '../options.js';
import type { Channel, ChannelContext, ChannelSettings } from '../types.js';
import { SEVERITY_COLOR } from '../colors.js';

/** Discord's limits: content 2,000; embed title 256, description 4,096, all embeds together 6,000. */
export const DISCORD_LIMITS = { content: 2_000, title: 256, description: 4_096, embeds: 6_000 } as const;

export interface DiscordMessage {
  content: string;
  embeds: Array<{ title: string; description: string; color: number }>;
  allowed_mentions: { parse: string[] };
  username?: string;
}

/** Its settings: required, secret and known keys, and where it sends. */
export const settings: ChannelSettings = {
  required: ['url'],
  secretKeys: ['url'],
  keys: ['url', 'username'],
  url: { key: 'url', fallback: '' },
};

/** Discord webhook: the title as content, the report as one embed coloured by severity; success is 2xx (204). */
export function createChannel(config: ChannelConfig, ctx: ChannelContext): Channel<DiscordMessage> {
  const url = readBaseUrl(config, settings);
  const username = readString(config, 'username');
  const timeoutMs = readTimeoutMs(config);
  const redact = channelRedactor(ctx, [url, new URL(url).pathname]);
  return {
    name: config.name,
    type: config.type,
    format: (report: Report) => {
      const { title, body } = renderReport(report, 'markdown', {
        maxChars: DISCORD_LIMITS.description,
        maxTitleChars: DISCORD_LIMITS.title,
      });
      const embedTitle = keepHead(title, DISCORD_LIMITS.title);
      const room = Math.min(DISCORD_LIMITS.description, DISCORD_LIMITS.embeds - embedTitle.length);
      const message: DiscordMessage = {
        content: keepHead(title, DISCORD_LIMITS.content),
        embeds: [{ title: embedTitle, description: keepTail(body, room), color: SEVERITY_COLOR[report.severity] }],
        // A log line saying @everyone must not ping the whole server.
        allowed_mentions: { parse: [] },
      };
      if (username) message.username = keepHead(username, 80);
      return message;
    },
    send: (message) =>
      deliverSafely(async () => {
        const answer = await postRequest({ url, json: message, timeoutMs, redact });
        return judgeAnswer(answer, () => ({ ok: true }));
      }, redact),
  };
}
