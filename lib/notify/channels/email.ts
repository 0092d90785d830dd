import type { ChannelConfig } from '../../config/types.js';
import type { Report } from '../../report/types.js';
import { escapeHtml, renderReport } from '../../report/render.js';
import { colorHex } from '../colors.js';
import { ConfigError } from '../../common/errors.js';
import { deliverSafely } from '../http.js';
import { describeNetworkError, networkReason } from '../network-error.js';
import {
  channelRedactor, readBoolean, readChoice, readInteger, readString, readTimeoutMs, requireString,
} from '../options.js';
import type { Channel, ChannelContext, ChannelSettings, Delivery, Endpoint } from '../types.js';

export interface EmailMessage {
  subject: string;
  text: string;
  html: string;
}

type Security = 'starttls' | 'tls' | 'none';

/** Keeps a mail readable and well under any server's size limit. */
export const EMAIL_LIMITS = { body: 200_000, subject: 200 } as const;

/** Its settings: required, secret and known keys. */
export const settings: ChannelSettings = {
  required: ['host', 'from', 'to'],
  secretKeys: ['password'],
  keys: ['host', 'port', 'security', 'user', 'password', 'from', 'to', 'tls_insecure'],
  endpoint: mailEndpoint,
};

/** E-mail over SMTP (nodemailer, loaded on first send): HTML and plain-text parts; ok only when every recipient was accepted. */
export function createChannel(config: ChannelConfig, ctx: ChannelContext): Channel<EmailMessage> {
  const host = requireString(config, 'host');
  const from = requireString(config, 'from');
  const to = readRecipients(config);
  const explicitPort =
    config.port === undefined || config.port === null || config.port === '' ? undefined : readInteger(config, 'port', 587);
  const security = readChoice<Security>(config, 'security', ['starttls', 'tls', 'none'], explicitPort === 465 ? 'tls' : 'starttls');
  const port = explicitPort ?? (security === 'tls' ? 465 : 587);
  const user = readString(config, 'user');
  const password = readString(config, 'password');
  const insecure = readBoolean(config, 'tls_insecure', false);
  const timeoutMs = readTimeoutMs(config);
  const redact = channelRedactor(ctx, [password]);
  const transportOptions = {
    host,
    port,
    secure: security === 'tls',
    requireTLS: security === 'starttls',
    ignoreTLS: security === 'none',
    auth: user ? { user, pass: password ?? '' } : undefined,
    tls: insecure ? { rejectUnauthorized: false } : undefined,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  };
  return {
    name: config.name,
    type: config.type,
    format: (report: Report) => {
      const text = renderReport(report, 'text', { maxChars: EMAIL_LIMITS.body, maxTitleChars: EMAIL_LIMITS.subject });
      const html = renderReport(report, 'html', { maxChars: EMAIL_LIMITS.body, maxTitleChars: EMAIL_LIMITS.subject });
      return { subject: text.title, text: text.body, html: wrapHtml(html.title, html.body, colorHex(report.severity)) };
    },
    send: (message, meta) =>
      deliverSafely(async () => {
        const { default: nodemailer } = await import('nodemailer');
        // One Message-ID per delivery: a mail sent again after a monitor died mid-send threads as the same message.
        const messageId = meta ? `<${meta.deliveryId}@hpc-run>` : undefined;
        const transport = nodemailer.createTransport(transportOptions);
        try {
          const info = await transport.sendMail({ from, to, subject: message.subject, text: message.text, html: message.html, messageId });
          return judgeInfo(info as unknown as SentInfo);
        } catch (error) {
          return describeSmtpError(error, `${host}:${port}`, timeoutMs);
        } finally {
          transport.close();
        }
      }, redact),
  };
}

// A whole HTML document; the rendered body breaks lines with newlines, so it is shown pre-wrapped.
function wrapHtml(title: string, body: string, color: string): string {
  return [
    '<!DOCTYPE html>',
    `<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>`,
    `<body><h2 style="border-left:6px solid ${color};padding-left:8px">${escapeHtml(title)}</h2>`,
    `<div style="white-space:pre-wrap">${body}</div></body></html>`,
  ].join('\n');
}

// `to:` as one address, a comma-separated list, or a YAML list.
function readRecipients(config: ChannelConfig): string[] {
  const value = config.to;
  const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : [];
  const addresses = list.map((v) => (typeof v === 'string' ? v.trim() : '')).filter(Boolean);
  if (addresses.length === 0 || addresses.length !== list.filter((v) => String(v).trim()).length) {
    throw new ConfigError('expected an address or a list of addresses', { key: `channels.${config.name}.to` });
  }
  return addresses;
}

interface SentInfo {
  accepted: unknown[];
  rejected: unknown[];
  rejectedErrors?: Array<{ responseCode?: number; response?: string }>;
}

// Every recipient must be accepted; a temporary refusal (4xx) is worth retrying, a permanent one (5xx) is not.
function judgeInfo(info: SentInfo): Delivery {
  if (info.rejected.length === 0) return { ok: true, detail: `delivered to ${info.accepted.length} recipient(s)`, retryable: false };
  const who = info.rejected.map(addressOf).join(', ');
  const codes = (info.rejectedErrors ?? []).map((e) => e.responseCode ?? 0);
  const reason = info.rejectedErrors?.[0]?.response;
  return {
    ok: false,
    detail: `server rejected ${who}${reason ? ` (${reason})` : ''}`,
    retryable: codes.length === 0 || codes.some((c) => c >= 400 && c < 500),
  };
}

const addressOf = (a: unknown): string =>
  typeof a === 'string' ? a : a && typeof a === 'object' && 'address' in a ? String((a as { address: unknown }).address) : String(a);

interface SmtpError {
  code?: string;
  responseCode?: number;
  response?: string;
  message?: string;
  rejected?: unknown[];
  rejectedErrors?: Array<{ responseCode?: number; response?: string }>;
}

// Plain words for nodemailer's error codes.
function describeSmtpError(error: unknown, where: string, timeoutMs: number): Delivery {
  const e = (error ?? {}) as SmtpError;
  const message = e.message ?? String(error);
  if (e.code === 'EENVELOPE' && e.rejected) return judgeInfo({ accepted: [], rejected: e.rejected, rejectedErrors: e.rejectedErrors });
  if (e.code === 'EAUTH') return { ok: false, detail: `authentication failed at ${where}: ${e.response ?? message}`, retryable: false };
  // Network failures read as they do for every other channel.
  if (networkReason(error) !== 'other' || /timeout/i.test(message)) {
    const timedOut = networkReason(error) === 'other';
    return { ok: false, detail: describeNetworkError(timedOut ? { code: 'ETIMEDOUT' } : error, `smtp://${where}`, timeoutMs), retryable: true };
  }
  const code = e.responseCode ? ` ${e.responseCode}` : '';
  return { ok: false, detail: `SMTP error${code} at ${where}: ${message}`, retryable: !(e.responseCode && e.responseCode >= 500) };
}

// SMTP: port 465 (or security: tls) starts with TLS; STARTTLS upgrades inside the SMTP dialogue, not checked by `doctor`.
function mailEndpoint(config: ChannelConfig): Endpoint | null {
  const host = typeof config.host === 'string' ? config.host : '';
  if (!host) return null;
  const port = Number(config.port ?? '') || undefined;
  const security = typeof config.security === 'string' ? config.security.toLowerCase() : port === 465 ? 'tls' : 'starttls';
  const resolvedPort = port ?? (security === 'tls' ? 465 : 587);
  return {
    host,
    port: resolvedPort,
    tls: security === 'tls',
    key: `channels.${config.name}.host`,
    note:
      security === 'starttls' ? 'STARTTLS is negotiated by the mail server after connecting; `train-monitor test` checks it' : undefined,
  };
}
