import { basename } from 'node:path';
import type { Marker } from '../common/marker.js';
import { claimMarker } from './claimed.js';
import { mapLimit } from './concurrency.js';
import type { MonitorContext } from './context.js';
import type { ClaimedMarker, DeliveryOutcome } from './delivery.js';
import { deliverSingle } from './deliver-one.js';
import { groupForDigest, type Candidate } from './digest-group.js';
import { printDryRun } from './dry-run.js';
import { askScheduler, declareLost, readHeartbeats } from './lost.js';
import { buildLostMarker } from './lost-marker.js';
import { markNotedRunning, observe, type Observation } from './observe.js';
import { readMarkerFile } from './read-marker.js';
import { recoverAbandoned } from './recover.js';
import { scanTargets, type ScanTarget } from './scan.js';
import { maintainSpool } from './spool-maintain.js';
import { findEntryForMarker, readSpool, removeSpoolEntry, type SpoolView } from './spool.js';
import { hasObservations, updateMonitorState } from './state.js';
import { deliverDigest } from './deliver-digest.js';
import { recordEndDelivery, watchLiveRuns } from '../ops/pass-hook.js';

/** Where one pass looks: the given work dirs, or (with none) the spool. */
export interface PassSources {
  workDirs: string[];
  spool: string | null;
}

/** What one pass did; `failed + pending + bad > 0` makes `--once` exit 1. */
export interface PassSummary {
  found: number;
  delivered: number;
  failed: number;
  /** Markers waiting for their retry time. */
  pending: number;
  bad: number;
  lost: number;
  /** Directories listed in this pass (the loop's watcher follows them). */
  dirs: string[];
}

const DELIVERY_CONCURRENCY = 8;

/**
 * One full pass: list every directory once, recover claims of dead monitors, turn silent heartbeats into `lost`
 * markers, then claim and deliver every marker (array tasks as digests). Never throws for one bad file.
 */
export async function runPass(sources: PassSources, ctx: MonitorContext, shouldStop: () => boolean = () => false): Promise<PassSummary> {
  const summary: PassSummary = { found: 0, delivered: 0, failed: 0, pending: 0, bad: 0, lost: 0, dirs: [] };
  const view: SpoolView | null = sources.spool ? await readSpool(sources.spool) : null;
  const targets: ScanTarget[] = view ? view.targets : sources.workDirs.map((dir) => ({ dir, workDir: dir }));
  const scan = await scanTargets(targets);
  summary.dirs = targets.map((t) => t.dir);
  for (const { target, reason } of scan.unreadable) ctx.warnOnce(`unreadable:${target.dir}`, `cannot list ${target.dir}: ${reason}`);
  if (view) await maintainSpool(view, scan, ctx);
  else for (const target of scan.missing) ctx.warnOnce(`missing:${target.dir}`, `work dir ${target.dir} does not exist (yet); watching it anyway`);

  const live = await readHeartbeats(scan, ctx);
  let observation: Observation = { stale: [], claimsFirstSeen: new Map() };
  if (live.length > 0 || scan.claims.length > 0 || (!ctx.dryRun && (await hasObservations(ctx.env)))) {
    const missing = new Set([...scan.missing, ...scan.unreadable.map((u) => u.target)].map((t) => t.dir));
    const scannedDirs = new Set(targets.map((t) => t.dir).filter((d) => !missing.has(d)));
    try {
      observation = await updateMonitorState(
        ctx.env,
        (state) =>
          observe(state, {
            heartbeats: live.map((h) => ({ path: h.file.path, seq: h.heartbeat.seq })),
            claims: scan.claims.map((c) => c.path),
            scannedDirs,
            nowMs: ctx.now(),
            staleAfterS: ctx.config.monitor.stale_after_s,
          }),
        { persist: !ctx.dryRun },
      );
    } catch (error) {
      // Observations only save time: without them this pass still delivers, and the next one observes again.
      ctx.logger.warn(`cannot update the monitor state (${(error as Error).message}); heartbeats are judged again next pass`);
    }
  }

  const recovered = await recoverAbandoned(scan.claims, observation.claimsFirstSeen, ctx);
  const newMarkers: Array<{ path: string; workDir: string | null }> = recovered.lostMarkers;
  summary.lost += recovered.lostMarkers.length;

  const stale = observation.stale.map((s) => ({ ...s, run: live.find((h) => h.file.path === s.path) })).filter((s) => s.run);
  if (stale.length > 0 && !shouldStop()) {
    const judge = await askScheduler(stale.map((s) => s.run!), ctx);
    const noted: string[] = [];
    for (const s of stale) {
      const run = s.run!;
      const { running, view: sched } = judge(run);
      if (running) {
        if (!s.notedRunning) {
          ctx.logger.info(`run ${run.heartbeat.run_id ?? run.file.path}: heartbeat silent, but ${sched.note}; not lost`);
          noted.push(s.path);
        }
        continue;
      }
      if (ctx.dryRun) {
        const marker = buildLostMarker(run.heartbeat, run.workDir, sched, ctx.now());
        await printSingleDryRun(marker, run.workDir, ctx, `${run.file.path} would become a lost marker`);
        continue;
      }
      const path = await declareLost(run, sched, s.silentS, ctx);
      if (path) {
        newMarkers.push({ path, workDir: run.file.target.workDir });
        summary.lost += 1;
      }
    }
    if (noted.length > 0) await updateMonitorState(ctx.env, (state) => markNotedRunning(state, noted), { persist: !ctx.dryRun }).catch(() => undefined);
  }

  // Markers found by the listing, plus the lost ones written just now (and claims recovered from dead monitors).
  const seen = new Set<string>();
  const files = [...scan.markers.map((m) => ({ path: m.path, workDir: m.target.workDir })), ...newMarkers].filter((f) => !seen.has(f.path) && seen.add(f.path));
  const candidates: Candidate[] = [];
  const corrupt: Array<{ path: string; workDir: string | null }> = [];
  const reads = await mapLimit(files, 32, (f) => readMarkerFile(f.path, ctx.uid));
  files.forEach((f, i) => {
    const read = reads[i];
    if (read.kind === 'gone') return;
    if (read.kind === 'foreign') {
      ctx.warnOnce(`foreign:${f.path}`, `${f.path} belongs to uid ${read.uid}, not to this user (uid ${ctx.uid}); skipped`);
      return;
    }
    summary.found += 1;
    if (read.kind === 'corrupt') return void corrupt.push(f);
    const next = Date.parse(read.marker.delivery?.next_attempt_at ?? '');
    if (Number.isFinite(next) && next > ctx.now()) {
      summary.pending += 1;
      ctx.warnOnce(`pending:${f.path}:${read.marker.delivery?.next_attempt_at}`, `${f.path}: delivery failed before (${read.marker.delivery?.last_error ?? 'unknown'}); next try at ${read.marker.delivery?.next_attempt_at}`);
      return;
    }
    candidates.push({ markerPath: f.path, workDir: f.workDir, marker: read.marker });
  });

  for (const f of corrupt) {
    if (ctx.dryRun) {
      ctx.logger.warn(`corrupt marker ${f.path} (would be moved to ${basename(f.path)}.bad)`);
      continue;
    }
    const result = await claimMarker(f.path, f.workDir, ctx);
    if (result.kind === 'bad') summary.bad += 1;
    else if (result.kind === 'claimed') recovered.claimed.push(result.item);
  }

  const record = async (item: ClaimedMarker, outcome: DeliveryOutcome) => {
    if (outcome.delivered) summary.delivered += 1;
    else summary.failed += 1;
    if (outcome.delivered) await recordEndDelivery(item.marker, ctx); // history for `status --all` (lib/ops)
    if (outcome.delivered && view) {
      const entry = view.byMarker.get(item.markerPath) ?? (await findEntryForMarker(view, item.markerPath, sources.spool!));
      if (entry) await removeSpoolEntry(entry);
    }
  };

  // Claims taken over from dead monitors go out first, one by one (they may carry a delivery state).
  for (const item of recovered.claimed) await record(item, await deliverSingle(item, ctx));

  const grouping = groupForDigest(candidates, ctx.config.digest.min_batch);
  for (const group of grouping.digests) {
    if (shouldStop()) break;
    const outcomes = await deliverDigest(group.arrayJobId, group.members, ctx);
    for (const { item, outcome } of outcomes) await record(item, outcome);
  }
  await mapLimit(grouping.singles, DELIVERY_CONCURRENCY, async (c) => {
    if (shouldStop()) return;
    if (ctx.dryRun) return printSingleDryRun(c.marker, c.workDir ?? c.marker.work_dir, ctx, c.markerPath);
    try {
      const result = await claimMarker(c.markerPath, c.workDir, ctx);
      if (result.kind === 'bad') summary.bad += 1;
      if (result.kind !== 'claimed') return;
      await record(result.item, await deliverSingle(result.item, ctx));
    } catch (error) {
      // One unwritable or vanished file never stops the others; a claim left behind is recovered later.
      summary.failed += 1;
      ctx.logger.error(`${c.markerPath}: ${ctx.redact((error as Error).message)}`);
    }
  });
  // In-run alerts (stalled, idle GPUs, resumed) for the runs still alive (lib/ops).
  if (!shouldStop()) await watchLiveRuns({ live, scan, targets }, ctx);
  return summary;
}

// Builds and prints one report without touching any file.
async function printSingleDryRun(marker: Marker, workDir: string, ctx: MonitorContext, where: string): Promise<void> {
  const { buildReport } = await import('../report/build.js');
  const report = await buildReport(marker, { workDir, report: ctx.config.report, logger: ctx.logger });
  await printDryRun(report, ctx, where);
}

