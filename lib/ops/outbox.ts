import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { Marker } from '../common/marker.js';
import { retryDelay } from '../delivery/backoff.js';
import { outsideLogFor } from '../delivery/deliver-one.js';
import type { MonitorContext } from '../monitor/context.js';
import type { OutsideLog } from '../report/log-path.js';
import { markerNameFor } from '../monitor/lost.js';
import { appendHistory, type HistoryEntry } from './history.js';
import { buildInRunReport, readItemHeartbeat } from './in-run-report.js';
import { updateOpsState, type OutboxItem } from './ops-state.js';
import { sendToChannels } from './send.js';

/** How a log line names the run of an item. */
export function describeItem(item: Pick<OutboxItem, 'run_id' | 'work_dir'>): string {
  return item.run_id ? `run ${item.run_id} (${item.work_dir})` : `run in ${item.work_dir}`;
}

/**
 * Sends every in-run report that is due: each is first marked as being sent by this monitor (under the state
 * lock), so a second monitor leaves it alone; channels that confirmed are never sent again; a failure is
 * retried on later passes with the end reports' backoff. A delivered report leaves the outbox for the history.
 */
export async function deliverOutbox(ctx: MonitorContext): Promise<{ delivered: number; failed: number }> {
  const counts = { delivered: 0, failed: 0 };
  const me = `${hostname()}:${process.pid}`;
  const claimMs = ctx.config.monitor.claim_timeout_s * 1000;
  const now = ctx.now();
  const due = (o: OutboxItem) => o.next_attempt_at <= now && (!o.sending || o.sending.since + claimMs < now || o.sending.since > now);
  if (ctx.dryRun) {
    const items = await updateOpsState(ctx.env, (state) => state.outbox.filter(due), { persist: false });
    const { printDryRun } = await import('../monitor/dry-run.js');
    for (const item of items) {
      const { heartbeat, gone } = await readItemHeartbeat(item);
      if (!gone) {
        await printDryRun(
          item.report ?? (await buildInRunReport(item, heartbeat, ctx.config, outsideLogOfRun(item, ctx))),
          ctx,
          `${item.kind} report of ${describeItem(item)}`,
        );
      }
    }
    return counts;
  }
  const claimed = await updateOpsState(ctx.env, (state) => {
    const mine = state.outbox.filter(due);
    for (const item of mine) item.sending = { by: me, since: now };
    return mine.map((item) => structuredClone(item));
  }, { persist: true });
  for (const item of claimed) {
    const { heartbeat, gone } = await readItemHeartbeat(item);
    if (gone) {
      // The run ended (or was declared lost) before this went out: its end report says the rest.
      await updateOpsState(ctx.env, (state) => void (state.outbox = state.outbox.filter((o) => o.id !== item.id)), { persist: true });
      ctx.logger.info(`${describeItem(item)} ended before its ${item.kind} report went out; the end report follows instead`);
      continue;
    }
    const report = item.report ?? (await buildInRunReport(item, heartbeat, ctx.config, outsideLogOfRun(item, ctx)));
    const result = await sendToChannels(report, item.delivered, ctx);
    const delivered = [...new Set([...item.delivered, ...result.ok])];
    const done = result.failures.length === 0;
    const after = ctx.now();
    const attempts = item.attempts + 1;
    await updateOpsState(ctx.env, (state) => {
      const i = state.outbox.findIndex((o) => o.id === item.id);
      if (i < 0) return;
      if (done) {
        state.outbox.splice(i, 1);
        return;
      }
      const delayS = retryDelay(attempts, ctx.config.monitor.retry_base_s, ctx.config.monitor.retry_max_s);
      state.outbox[i] = {
        ...state.outbox[i],
        report,
        delivered,
        attempts,
        next_attempt_at: after + delayS * 1000,
        last_error: result.failures.join('; '),
        sending: null,
      };
    }, { persist: true });
    if (done) {
      counts.delivered += 1;
      ctx.logger.info(`delivered the ${item.kind} report of ${describeItem(item)}`);
      await appendHistory(ctx.env, historyEntry(item, report, delivered, after)).catch((error: unknown) =>
        ctx.logger.warn(`cannot append to the history: ${(error as Error).message}`));
    } else {
      counts.failed += 1;
      const permanent = result.permanent ? ' (a retry will not help until the configuration is fixed)' : '';
      ctx.logger.warn(
        `could not deliver the ${item.kind} report of ${describeItem(item)}: ${result.failures.join('; ')}; ` +
          `kept for retry (attempt ${attempts})${permanent}`,
      );
    }
  }
  return counts;
}

// The history line of a delivered in-run report.
function historyEntry(
  item: OutboxItem,
  report: Awaited<ReturnType<typeof buildInRunReport>>,
  channels: string[],
  nowMs: number,
): HistoryEntry {
  const m = report.marker;
  return {
    at: new Date(nowMs).toISOString(),
    kind: 'in_run',
    status: item.kind,
    severity: report.severity,
    title: report.title,
    run_id: item.run_id,
    work_dir: item.work_dir,
    job_id: m.slurm?.job_id ?? null,
    host: m.host ?? '',
    command: m.command,
    log_file: m.log_file,
    started_at: m.started_at || null,
    ended_at: null,
    duration_s: item.duration_s,
    exit_code: null,
    channels,
  };
}

// The run's log outside its work dir, looked up as for its end report: by the marker it will write.
function outsideLogOfRun(item: OutboxItem, ctx: MonitorContext): (marker: Marker) => OutsideLog | undefined {
  const markerPath = join(dirname(item.run_key), markerNameFor(basename(item.run_key)));
  return (marker) => outsideLogFor(markerPath, marker, ctx);
}
