import type { MonitorContext } from '../monitor/context.js';
import { redactReport } from '../report/redact.js';
import type { Report } from '../report/types.js';

/** What one send to the channels not yet reached gave: who confirmed, and `channel: why` for the others. */
export interface SendResult {
  ok: string[];
  failures: string[];
  /** Every failed channel said a retry cannot help (e.g. a rejected key). */
  permanent: boolean;
}

/**
 * The one place in-run reports meet the channels: the same channels, formatting and redaction the end reports
 * use (the monitor context's channel list), skipping channels in `already`. Never throws.
 */
export async function sendToChannels(report: Report, already: string[], ctx: MonitorContext): Promise<SendResult> {
  const channels = (await ctx.channels()).filter((c) => !already.includes(c.name));
  const safe = redactReport(report, ctx.redact);
  const results = await Promise.all(
    channels.map(async (channel) => {
      try {
        return { name: channel.name, delivery: await channel.send(channel.format(safe)) };
      } catch (error) {
        return {
          name: channel.name,
          delivery: { ok: false, detail: error instanceof Error ? error.message : String(error), retryable: true },
        };
      }
    }),
  );
  const failed = results.filter((r) => !r.delivery.ok);
  return {
    ok: results.filter((r) => r.delivery.ok).map((r) => r.name),
    failures: failed.map((r) => ctx.redact(`${r.name}: ${r.delivery.detail}`)),
    permanent: failed.length > 0 && failed.every((r) => !r.delivery.retryable),
  };
}
