import type { ChannelConfig } from '../../config/types.js';
import type { Report } from '../../report/types.js';
import { renderReport } from '../../report/render.js';
import { countChars } from '../../report/limits.js';
import { deliverSafely, judgeAnswer, postRequest } from '../http.js';
import { channelRedactor, keepHead, readBaseUrl, readHeaders, readString, readTimeoutMs, requireString } from '../options.js';
import type { Channel, ChannelContext } from '../types.js';

export const XXTUI_URL = 'https://www.xxtui.com/xxtui/{api_key}';
/** The service shows `from` and the title in a notification line: both at most 20 characters. */
export const XXTUI_LIMITS = { from: 20, title: 20, content: 4000 } as const;

export interface XxtuiMessage {
  from: string;
  title: string;
  content: string;
  channel?: string;
}

/** xxtui: POST `{url}` (the key filled into `{api_key}`, or appended) with `{from, title, content, channel?}`; success is `code == 0`. */
export function createChannel(config: ChannelConfig, ctx: ChannelContext): Channel<XxtuiMessage> {
  const apiKey = requireString(config, 'api_key');
  const url = fillKey(readBaseUrl(config, XXTUI_URL), apiKey);
  const seedBody = readSeedBody(config);
  const fixedTitle = readString(config, 'title') ?? seedBody.title;
  const lead = readString(config, 'lead') ?? seedBody.content;
  const from = keepHead(readString(config, 'from') ?? 'hpc-run', XXTUI_LIMITS.from);
  const target = readString(config, 'channel');
  const headers = readHeaders(config);
  const timeoutMs = readTimeoutMs(config);
  const redact = channelRedactor(ctx, [apiKey]);
  return {
    name: config.name,
    type: config.type,
    format: (report: Report) => {
      // The seed's fixed title and lead ("训练完成通知", "训练任务已完成") speak of a finished run: they are used for a
      // success only; any other end, and a test message, gets the status-aware title and no lead.
      const finished = report.status === 'success' && !report.test;
      const leadLine = finished && lead ? `${keepHead(lead, 200)}\n` : '';
      const rendered = renderReport(report, 'text', {
        maxChars: XXTUI_LIMITS.content - countChars(leadLine),
        maxTitleChars: XXTUI_LIMITS.title,
      });
      const message: XxtuiMessage = {
        from,
        title: finished && fixedTitle ? keepHead(fixedTitle, XXTUI_LIMITS.title) : rendered.title,
        content: leadLine + rendered.body,
      };
      if (target) message.channel = target;
      return message;
    },
    send: (message) =>
      deliverSafely(async () => {
        const answer = await postRequest({ url, json: message, headers, timeoutMs, redact });
        return judgeAnswer(answer, (json) => judgeCode(json));
      }, redact),
  };
}

// `{api_key}` filled in URL-encoded; a URL without the placeholder gets `/<key>` appended (the seed's `url: …/push`).
export function fillKey(url: string, apiKey: string): string {
  const encoded = encodeURIComponent(apiKey);
  return url.includes('{api_key}') ? url.split('{api_key}').join(encoded) : `${url}/${encoded}`;
}

// The seed's `body: {title, content}`: the fixed title and the content's first line.
function readSeedBody(config: ChannelConfig): { title?: string; content?: string } {
  const body = config.body;
  if (!body || typeof body !== 'object' || Array.isArray(body)) return {};
  const { title, content } = body as Record<string, unknown>;
  return {
    title: typeof title === 'string' && title ? title : undefined,
    content: typeof content === 'string' && content ? content : undefined,
  };
}

// xxtui answers `{"code": 0, …}` on success; anything else carries its code and message.
function judgeCode(json: unknown): { ok: boolean; detail?: string } {
  if (!json || typeof json !== 'object') return { ok: false, detail: 'no JSON answer' };
  const { code, msg, message } = json as Record<string, unknown>;
  if (code === 0 || code === '0') return { ok: true };
  const reason = typeof msg === 'string' ? msg : typeof message === 'string' ? message : '';
  return { ok: false, detail: `code ${String(code)}${reason ? `: ${reason}` : ''}` };
}
