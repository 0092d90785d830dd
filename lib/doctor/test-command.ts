import { UsageError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { loadConfig } from '../config/load.js';
import { createChannelContext, createChannels } from '../notify/create.js';
import { deliverSafely } from '../notify/http.js';
import type { Delivery } from '../notify/types.js';
import { buildSampleReport } from './sample-report.js';

export interface TestCommandOptions {
  configPath?: string;
  /** Only this configured channel (by name), or the channels of this type. */
  channel?: string;
  env: NodeJS.ProcessEnv;
  logger: Logger;
}

/**
 * `train-monitor test [--channel NAME]`: sends a sample report to every configured channel (or the one named)
 * and prints one line per channel, `✓ name (type): delivered` or `✗ name (type): <reason>`.
 * Exit status 0 when every channel delivered, 1 otherwise.
 */
export async function runTestCommand(options: TestCommandOptions): Promise<number> {
  const config = await loadConfig({ configPath: options.configPath, env: options.env, cwd: process.cwd() });
  let selected = config.channels;
  if (options.channel !== undefined) {
    // A name first; else every channel of that type (`--channel xxtui` with one xxtui channel named `phone`).
    const named = config.channels.filter((c) => c.name === options.channel);
    selected = named.length > 0 ? named : config.channels.filter((c) => c.type === options.channel);
    if (selected.length === 0) {
      const names = config.channels.map((c) => `${c.name} (${c.type})`).join(', ') || 'none';
      throw new UsageError(
        `no channel named '${options.channel}' and none of that type; configured channels: ${names}`,
        'use one of the names or types above with --channel, or leave --channel out to test them all',
      );
    }
  }
  const ctx = createChannelContext(config, options.logger, options.env);
  const channels = await createChannels({ ...config, channels: selected }, ctx);
  const report = await buildSampleReport(config.report);
  options.logger.info(`sending a test report to ${channels.length} channel${channels.length === 1 ? '' : 's'} …`);
  const deliveries = await Promise.all(
    channels.map((channel) => deliverSafely(() => channel.send(channel.format(report)), ctx.redact)),
  );
  channels.forEach((channel, i) => options.logger.out(formatResult(channel.name, channel.type, deliveries[i])));
  return deliveries.every((d) => d.ok) ? 0 : 1;
}

/** `✓ name (type): delivered` or `✗ name (type): <reason in plain words>`. */
export function formatResult(name: string, type: string, delivery: Delivery): string {
  return delivery.ok ? `✓ ${name} (${type}): delivered` : `✗ ${name} (${type}): ${plainReason(delivery.detail)}`;
}

const PLAIN_WORDS = /^(bad key|signature rejected|keyword missing|rate limited|address not allowed|message too long)\b/;

/** Leads a delivery's detail with plain words: unreachable, TLS failure, bad key or URL, signature rejected … */
export function plainReason(detail: string): string {
  const said = detail.replace(/^service said /, '');
  if (PLAIN_WORDS.test(said)) return said;
  if (/^(connection refused|timed out|host not found|network unreachable|connection reset|could not connect)/.test(detail)) {
    return `unreachable: ${detail}`;
  }
  if (/^HTTP (401|403)\b/.test(detail)) return `bad key (${detail})`;
  if (/^HTTP 404\b/.test(detail)) return `bad key or URL (${detail})`;
  if (/^HTTP 429\b/.test(detail)) return `rate limited (${detail})`;
  if (/^HTTP 5\d\d\b/.test(detail)) return `service error (${detail})`;
  return detail;
}
