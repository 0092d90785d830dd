import type { ChannelConfig } from '../../config/types.js';
import type { Report } from '../../report/types.js';
import { renderReport } from '../../report/render.js';
import { deliverSafely, judgeAnswer, postRequest, shortBody } from '../http.js';
import { channelRedactor, keepHead, readBaseUrl, readTimeoutMs } from '../options.js';
import type { Channel, ChannelContext, ChannelSettings } from '../types.js';
import { colorHex } from '../colors.js';

/** Slack's own limits: 40,000 characters of `text`, 3,000 per section block, 50 blocks per message. */
export const SLACK_LIMITS = { text: 40_000, section: 3_000, body: 12_000 } as const;

interface Section {
  type: 'section';
  text: { type: 'mrkdwn'; text: string };
}

export interface SlackMessage {
  text: string;
  blocks: Section[];
  attachments: Array<{ color: string; blocks: Section[] }>;
}

/** Its settings: required, secret and known keys, and where it sends. */
export const settings: ChannelSettings = {
  required: ['url'],
  secretKeys: ['url'],
  keys: ['url'],
  url: { key: 'url', fallback: '' },
};

/** Slack incoming webhook: title block, report in code sections under a bar coloured by severity; success is `ok`. */
export function createChannel(config: ChannelConfig, ctx: ChannelContext): Channel<SlackMessage> {
  const url = readBaseUrl(config, settings);
  const timeoutMs = readTimeoutMs(config);
  const redact = channelRedactor(ctx, [url, new URL(url).pathname]);
  return {
    name: config.name,
    type: config.type,
    format: (report: Report) => {
      const { title, body } = renderReport(report, 'text', { maxChars: SLACK_LIMITS.body, maxTitleChars: 150 });
      const chunks = splitIntoSections(escapeMrkdwn(body), SLACK_LIMITS.section - 8);
      return {
        text: keepHead(escapeMrkdwn(`${title}\n${body}`), SLACK_LIMITS.text),
        blocks: [section(`*${escapeMrkdwn(title)}*`)],
        attachments: [{ color: colorHex(report.severity), blocks: chunks.map((c) => section(`\`\`\`${c}\`\`\``)) }],
      };
    },
    send: (message) =>
      deliverSafely(async () => {
        const answer = await postRequest({ url, json: message, timeoutMs, redact });
        return judgeAnswer(answer, (_json, a) => (a.body.trim() === 'ok' ? { ok: true } : { ok: false, detail: shortBody(a.body) }));
      }, redact),
  };
}

const section = (text: string): Section => ({ type: 'section', text: { type: 'mrkdwn', text } });

/** Slack's three control characters in message text. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

// Splits at line ends into pieces of at most `max` characters, never inside an escape like `&amp;`.
function splitIntoSections(text: string, max: number): string[] {
  const pieces: string[] = [];
  let current = '';
  for (const line of text.split('\n')) {
    for (const part of cutLine(line, max)) {
      const next = current ? `${current}\n${part}` : part;
      if (next.length > max && current) {
        pieces.push(current);
        current = part;
      } else {
        current = next;
      }
    }
  }
  if (current || pieces.length === 0) pieces.push(current || ' ');
  return pieces;
}

// A line longer than a section is cut into pieces that keep every `&…;` escape whole.
function cutLine(line: string, max: number): string[] {
  if (line.length <= max) return [line];
  const parts: string[] = [];
  let rest = line;
  while (rest.length > max) {
    let at = max;
    const amp = rest.lastIndexOf('&', at);
    if (amp > at - 5 && rest.indexOf(';', amp) >= at) at = amp;
    if (/[\udc00-\udfff]/.test(rest[at])) at -= 1;
    parts.push(rest.slice(0, at));
    rest = rest.slice(at);
  }
  parts.push(rest);
  return parts;
}
