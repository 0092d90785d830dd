import { execFileSync } from 'node:child_process';
import type { Logger } from '../../lib/common/logger.js';
import type { ChannelConfig } from '../../lib/config/types.js';
import { ConfigError } from '../../lib/common/errors.js';
import { normalizeChannelSettings } from '../../lib/notify/settings.js';
import type { Channel, ChannelContext, ChannelSettings, Delivery } from '../../lib/notify/types.js';
import type { Report } from '../../lib/report/types.js';

/** A logger that records what it was given. */
export interface RecordingLogger extends Logger {
  lines: { info: string[]; warn: string[]; error: string[]; out: string[] };
}

export function recordingLogger(): RecordingLogger {
  const lines = { info: [] as string[], warn: [] as string[], error: [] as string[], out: [] as string[] };
  return {
    lines,
    info: (m) => lines.info.push(m),
    warn: (m) => lines.warn.push(m),
    error: (m) => lines.error.push(m),
    out: (t) => lines.out.push(t),
  };
}

/** A channel context whose redactor knows only `secrets` (so a channel's own redaction is tested too). */
export function testContext(secrets: string[] = [], env: NodeJS.ProcessEnv = {}): ChannelContext & { logger: RecordingLogger } {
  return {
    logger: recordingLogger(),
    env,
    redact: (text) => secrets.reduce((t, s) => t.split(s).join('***'), text),
  };
}

/** A channel context whose redactor replaces every given secret (the longest first) with `***`; its logger drops all. */
export function makeContext(secrets: string[] = []): ChannelContext {
  const logger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined, out: () => undefined };
  const sorted = [...secrets].sort((a, b) => b.length - a.length);
  return {
    logger,
    env: {},
    redact: (s) => sorted.reduce((t, secret) => t.split(secret).join('***'), s),
  };
}

/** A channel config as the loader hands it over. */
export function channelConfig(type: string, settings: Record<string, unknown>): ChannelConfig {
  return { type, name: type, ...settings };
}

/** A channel config after the loader's one check of its settings (`spec` is the module's); the first problem throws. */
export function checkedConfig(spec: ChannelSettings, config: ChannelConfig): ChannelConfig {
  const { type, name, ...settings } = config;
  const fail = (key: string, message: string): never => {
    throw new ConfigError(message, { key });
  };
  normalizeChannelSettings(settings, spec, `channels.${name}`, { error: fail, warn: () => undefined });
  return { type, name, ...settings };
}

/** Fails with a readable message when a secret shows up in a delivery's words. */
export function expectNoSecret(deliveries: Array<Delivery | string>, secrets: string[]): void {
  for (const d of deliveries) {
    const text = typeof d === 'string' ? d : d.detail;
    for (const s of secrets) {
      if (text.includes(s) || text.includes(encodeURIComponent(s))) throw new Error(`secret leaked in: ${text}`);
    }
  }
}

/** Formats and sends one report through a channel. */
export async function deliver(channel: Channel, report: Report) {
  return channel.send(channel.format(report));
}

/** base64(HMAC-SHA256(key, data)) by `openssl dgst -sha256 -hmac KEY -binary | base64`, independent of our code. */
export function opensslHmacBase64(key: string, data: string): string {
  const out = execFileSync('sh', ['-c', 'openssl dgst -sha256 -hmac "$HMAC_KEY" -binary | base64 | tr -d "\\n"'], {
    input: data,
    env: { PATH: process.env.PATH, HMAC_KEY: key },
  });
  return out.toString('utf8').trim();
}
