import { ConfigError } from '../../common/errors.js';
import type { Marker } from '../../common/marker.js';
import type { ChannelConfig } from '../../config/types.js';
import type { RenderFormat, Report } from '../../report/types.js';
import { renderReport } from '../../report/render.js';
import { deliverSafely, judgeAnswer, postRequest } from '../http.js';
import { channelRedactor, readBaseUrl, readChoice, readHeaders, readInteger, readString, readTimeoutMs } from '../options.js';
import type { Channel, ChannelContext, ChannelSettings, DeliveryMeta } from '../types.js';

export interface WebhookMessage {
  body: string;
  contentType: string;
}

/** Every `{{name}}` a body template may use. */
export const TEMPLATE_FIELDS = [
  'title', 'content', 'status', 'severity', 'run_id', 'host', 'user', 'exit_code', 'signal', 'command',
  'work_dir', 'log_file', 'job_id', 'job_name', 'started_at', 'ended_at', 'duration_s', 'timestamp', 'marker_json',
] as const;
type TemplateValues = Record<(typeof TEMPLATE_FIELDS)[number], string | number | null>;

const PLACEHOLDER = /\{\{\s*([a-z_]+)\s*\}\}/g;
const QUOTED_PLACEHOLDER = /"\{\{\s*([a-z_]+)\s*\}\}"/g;

/** Its settings: required, secret and known keys, and where it sends. */
export const settings: ChannelSettings = {
  required: ['url'],
  secretKeys: ['headers', 'token'],
  keys: ['url', 'method', 'format', 'max_chars', 'token', 'headers', 'body_template', 'content_type'],
  url: { key: 'url', fallback: '' },
};

/** Generic webhook: `{"title","content","status","severity","marker"}` or a filled `body_template`; success is 2xx. */
export function createChannel(config: ChannelConfig, ctx: ChannelContext): Channel<WebhookMessage> {
  const url = readBaseUrl(config, settings);
  const method = readChoice(config, 'method', ['post', 'put', 'patch'] as const, 'post').toUpperCase() as 'POST' | 'PUT' | 'PATCH';
  const format = readChoice<RenderFormat>(config, 'format', ['text', 'markdown', 'html'], 'text');
  const maxChars = readInteger(config, 'max_chars', 20_000);
  const token = readString(config, 'token');
  const headers = readHeaders(config);
  if (token && !Object.keys(headers).some((h) => h.toLowerCase() === 'authorization')) headers.Authorization = `Bearer ${token}`;
  const template = readString(config, 'body_template');
  const contentType =
    readString(config, 'content_type') ?? (template && !looksLikeJson(template) ? 'text/plain; charset=utf-8' : 'application/json');
  const jsonMode = /json/i.test(contentType);
  if (template) checkTemplate(config, template, jsonMode);
  const timeoutMs = readTimeoutMs(config);
  const sensitive = Object.entries(headers).filter(([name]) => /auth|token|key|secret|sign|cookie|pass/i.test(name));
  const redact = channelRedactor(ctx, [token, ...sensitive.map(([, v]) => v), ...sensitive.map(([, v]) => v.replace(/^\w+\s+/, ''))]);
  return {
    name: config.name,
    type: config.type,
    format: (report: Report, meta?: DeliveryMeta) => {
      const rendered = renderReport(report, format, { maxChars });
      if (!template) {
        const { title, body: content } = rendered;
        const id = meta ? { delivery_id: meta.deliveryId } : {};
        const body = JSON.stringify({ title, content, status: report.status, severity: report.severity, marker: report.marker, ...id });
        return { body, contentType };
      }
      return { body: fillTemplate(template, templateValues(report, rendered.title, rendered.body), jsonMode), contentType };
    },
    send: (message) =>
      deliverSafely(async () => {
        const answer = await postRequest({
          url,
          method,
          body: message.body,
          headers: { 'content-type': message.contentType, ...headers },
          timeoutMs,
          redact,
        });
        return judgeAnswer(answer, () => ({ ok: true }));
      }, redact),
  };
}

// A template that starts with `{` or `[` is JSON unless `content_type` says otherwise.
function looksLikeJson(template: string): boolean {
  return /^\s*[[{]/.test(template);
}

/**
 * Replaces `{{name}}`; in a JSON template values are escaped for a JSON string and an absent value is `null`
 * (a quoted `"{{name}}"` included: the quotes go, so that an unknown value reads `null`, not `"null"`).
 */
export function fillTemplate(template: string, values: TemplateValues, jsonMode: boolean): string {
  const absent = (name: string) => name !== 'marker_json' && (values[name as keyof TemplateValues] ?? null) === null;
  const unquoted = jsonMode ? template.replace(QUOTED_PLACEHOLDER, (whole, name: string) => (absent(name) ? 'null' : whole)) : template;
  return unquoted.replace(PLACEHOLDER, (_, name: string) => {
    const value = values[name as keyof TemplateValues];
    if (name === 'marker_json') return String(value);
    if (value === null || value === undefined) return jsonMode ? 'null' : '';
    return jsonMode ? JSON.stringify(String(value)).slice(1, -1) : String(value);
  });
}

// Names unknown placeholders, and for a JSON template proves it parses once filled, before anything is sent.
function checkTemplate(config: ChannelConfig, template: string, jsonMode: boolean): void {
  const key = `channels.${config.name}.body_template`;
  const unknown = [...template.matchAll(PLACEHOLDER)].map((m) => m[1]).filter((n) => !(TEMPLATE_FIELDS as readonly string[]).includes(n));
  if (unknown.length > 0) {
    throw new ConfigError(`unknown placeholder ${unknown.map((n) => `{{${n}}}`).join(', ')}; known: ${TEMPLATE_FIELDS.join(', ')}`, {
      key,
    });
  }
  if (!jsonMode) return;
  const sample = Object.fromEntries(TEMPLATE_FIELDS.map((f) => [f, 'a "quoted"\nvalue\\'])) as TemplateValues;
  sample.exit_code = 1;
  sample.duration_s = 2.5;
  sample.marker_json = '{}';
  try {
    JSON.parse(fillTemplate(template, sample, true));
  } catch {
    throw new ConfigError('is not valid JSON once its placeholders are filled (put text placeholders inside quotes)', { key });
  }
}

// The values a template can use, from the report and its marker.
function templateValues(report: Report, title: string, content: string): TemplateValues {
  const m: Marker = report.marker;
  return {
    title,
    content,
    status: report.status,
    severity: report.severity,
    run_id: m.run_id,
    host: m.host,
    user: m.user,
    exit_code: m.exit_code,
    signal: m.signal,
    command: m.command,
    work_dir: m.work_dir,
    log_file: m.log_file,
    job_id: m.slurm?.job_id ?? null,
    job_name: m.slurm?.job_name ?? null,
    started_at: m.started_at,
    ended_at: m.ended_at,
    duration_s: m.duration_s,
    timestamp: m.timestamp,
    marker_json: JSON.stringify(m),
  };
}
