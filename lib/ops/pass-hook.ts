import { access } from 'node:fs/promises';
import type { MonitorContext } from '../monitor/context.js';
import type { LiveHeartbeat } from '../monitor/lost.js';
import type { ScanResult, ScanTarget } from '../monitor/scan.js';
import { heartbeatExtras } from './heartbeat-view.js';
import { opsStatePath, readOpsState, updateOpsState } from './ops-state.js';
import { deliverOutbox, describeItem } from './outbox.js';
import { alertSettings } from './settings.js';
import { observeRuns, type LiveRun } from './watch.js';

/**
 * The monitor pass's hook for live runs: observes every readable heartbeat (stall and idle-GPU episodes by this
 * monitor's clock), then sends the in-run reports that are due. Never throws: a problem here is one warning and
 * the pass goes on (end reports matter more).
 */
export async function watchLiveRuns(
  input: { live: LiveHeartbeat[]; scan: ScanResult; targets: ScanTarget[] },
  ctx: MonitorContext,
): Promise<void> {
  try {
    // Nothing live and nothing remembered: no lock, no write (an idle cron pass stays cheap).
    if (input.live.length === 0) {
      const known = await access(opsStatePath(ctx.env)).then(() => true, () => false);
      if (!known) return;
      const state = await readOpsState(ctx.env);
      if (Object.keys(state.runs).length === 0 && state.outbox.length === 0) return;
    }
    const unlisted = new Set([...input.scan.missing, ...input.scan.unreadable.map((u) => u.target)].map((t) => t.dir));
    const scannedDirs = new Set(input.targets.map((t) => t.dir).filter((d) => !unlisted.has(d)));
    const live: LiveRun[] = input.live.map((h) => {
      const extras = heartbeatExtras(h.heartbeat);
      return {
        key: h.file.path,
        run_id: h.heartbeat.run_id ?? null,
        work_dir: h.workDir,
        seq: h.heartbeat.seq,
        log_bytes: extras.log_bytes,
        stall_after_s: extras.stall_after_s,
        gpus: extras.gpus_now,
      };
    });
    const settings = { ...alertSettings(ctx.config.monitor), nowMs: ctx.now(), staleAfterS: ctx.config.monitor.stale_after_s };
    const events = await updateOpsState(ctx.env, (state) => {
      const result = observeRuns(state, live, scannedDirs, settings);
      return { ...result, items: state.outbox.filter((o) => result.opened.some((e) => e.item === o.id)) };
    }, { persist: !ctx.dryRun });
    for (const item of events.items) {
      const what =
        item.kind === 'stalled'
          ? `no output for ${item.duration_s}s`
          : item.kind === 'gpu_idle'
            ? `GPUs idle for ${item.duration_s}s`
            : `output back after ${item.duration_s}s`;
      ctx.logger.info(`${describeItem(item)}: ${what}; ${item.kind} report queued`);
    }
    await deliverOutbox(ctx);
  } catch (error) {
    ctx.logger.warn(`in-run alerts skipped this pass: ${ctx.redact(error instanceof Error ? error.message : String(error))}`);
  }
}

