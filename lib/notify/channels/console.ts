import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { notificationsLogPath } from '../../common/paths.js';
import type { ChannelConfig } from '../../config/types.js';
import type { RenderedReport, Report } from '../../report/types.js';
import { renderReport } from '../../report/render.js';
import type { Channel, ChannelContext, ChannelSettings, Delivery } from '../types.js';

/** Its settings: required, secret and known keys. */
export const settings: ChannelSettings = {
  required: [],
  secretKeys: [],
  keys: [],
};

/** Prints the report to stdout and appends it to `notifications.log` in the state dir (created 0600). */
export function createChannel(config: ChannelConfig, ctx: ChannelContext): Channel<RenderedReport> {
  const logPath = notificationsLogPath(ctx.env);
  return {
    name: config.name,
    type: config.type,
    format: (report: Report) => renderReport(report, 'text', {}),
    send: async (message) => {
      // A log line may echo a key; the terminal and the log file never show one.
      const text = ctx.redact(`${message.title}\n\n${message.body}`);
      ctx.logger.out(text);
      return appendRecord(logPath, text, ctx.redact);
    },
  };
}

// Appends one report with a timestamped separator; a failure is a retryable delivery, never a crash.
async function appendRecord(path: string, text: string, redact: (s: string) => string): Promise<Delivery> {
  const separator = `===== ${new Date().toISOString()} =====`;
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    await appendFile(path, `${separator}\n${text.endsWith('\n') ? text : `${text}\n`}\n`, { mode: 0o600 });
    return { ok: true, detail: 'delivered', retryable: false };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, detail: redact(`could not append to ${path}: ${reason}`), retryable: true };
  }
}
