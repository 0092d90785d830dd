import { basename } from 'node:path';
import type { Marker } from '../common/marker.js';
import { claimMarker, type ClaimedMarker } from '../delivery/claim.js';
import { deliverDigest } from '../delivery/deliver-digest.js';
import { deliverSingle, outsideLogFor } from '../delivery/deliver-one.js';
import { readMarkerFile } from '../delivery/read.js';
import { recoverAbandoned } from '../delivery/recover.js';
import { removeStaleStateTemps } from '../delivery/release.js';
import { describeRetry, describeWhen, reschedule, retryTime } from '../delivery/schedule.js';
import type { DeliveryOutcome } from '../delivery/send.js';
import { deliveryIdOf } from '../delivery/delivery-id.js';
import { suppressSecondReport } from '../delivery/suppress.js';
import { mapLimit } from './concurrency.js';
import type { MonitorContext } from './context.js';
import { groupForDigest, type Candidate } from './digest-group.js';
import { printDryRun } from './dry-run.js';
import { aliveHere, askScheduler, declareLost, finishAbandonedHeartbeat, readHeartbeats } from './lost.js';
import { buildLostMarker } from './lost-marker.js';
import { markNotedRunning, observe, type Observation } from './observe.js';
import { scanTargets, type ScanTarget } from './scan.js';
import { maintainSpool } from './spool-maintain.js';
import { findEntryForMarker, readSpool, removeSpoolEntry, type SpoolView } from './spool.js';
import { hasObservations, readReported, rememberReported, updateMonitorState } from './state.js';
import { recordEndDelivery } from '../ops/history.js';
import { watchLiveRuns } from '../ops/pass-hook.js';
import { handleCorruptMarkers } from './corrupt.js';

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
  else {
    for (const target of scan.missing) {
      ctx.warnOnce(`missing:${target.dir}`, `work dir ${target.dir} does not exist (yet); watching it anyway`);
    }
  }

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

  const recovered = await recoverAbandoned(scan.claims, observation.claimsFirstSeen, ctx, (claimPath, found) =>
    finishAbandonedHeartbeat(claimPath, found, ctx),
  );
  const newMarkers: Array<{ path: string; workDir: string | null }> = recovered.lostMarkers;
  summary.lost += recovered.lostMarkers.length;
  if (scan.stateTemps.length > 0 && !ctx.dryRun) {
    const removed = await removeStaleStateTemps(scan.stateTemps.map((f) => f.path), ctx.now());
    if (removed > 0) ctx.logger.info(`removed ${removed} temp file(s) a killed monitor left behind (*.state-<pid>-*)`);
  }

  const stale = observation.stale.map((s) => ({ ...s, run: live.find((h) => h.file.path === s.path) })).filter((s) => s.run);
  if (stale.length > 0 && !shouldStop()) {
    const judge = await askScheduler(stale.map((s) => s.run!), ctx);
    const noted: string[] = [];
    for (const s of stale) {
      const run = s.run!;
      const verdict = judge(run);
      const { running, view: sched } = aliveHere(run.heartbeat)
        ? { running: true, view: { state: null, note: `its process (pid ${run.heartbeat.pid}) is alive on this host` } }
        : verdict;
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
    if (noted.length > 0) {
      await updateMonitorState(ctx.env, (state) => markNotedRunning(state, noted), { persist: !ctx.dryRun }).catch(() => undefined);
    }
  }

  // Markers found by the listing, plus the lost ones written just now (and claims recovered from dead monitors).
  const seen = new Set<string>();
  const files = [...scan.markers.map((m) => ({ path: m.path, workDir: m.target.workDir })), ...newMarkers].filter(
    (f) => !seen.has(f.path) && seen.add(f.path),
  );
  const candidates: Candidate[] = [];
  const corrupt: Array<{ path: string; workDir: string | null; final?: boolean }> = [];
  const clamped: Array<{ path: string; workDir: string | null; atMs: number; stored: string }> = [];
  const reads = await mapLimit(files, 32, (f) => readMarkerFile(f.path, ctx.uid));
  const reported = files.length > 0 ? await readReported(ctx.env) : new Map<string, string>();
  const seconds: Array<{ path: string; workDir: string | null; first: string }> = [];
  files.forEach((f, i) => {
    const read = reads[i];
    if (read.kind === 'gone') return;
    if (read.kind === 'foreign') {
      ctx.warnOnce(`foreign:${f.path}`, `${f.path} belongs to uid ${read.uid}, not to this user (uid ${ctx.uid}); skipped`);
      return;
    }
    summary.found += 1;
    if (read.kind === 'corrupt') return void corrupt.push({ ...f, final: read.final });
    const next = retryTime(read.marker.delivery, ctx.now(), ctx.config.monitor);
    if (next.atMs > 0) {
      summary.pending += 1;
      if (next.clamped && !ctx.dryRun) clamped.push({ ...f, atMs: next.atMs, stored: read.marker.delivery?.next_attempt_at ?? '' });
      else {
        ctx.warnOnce(
          `pending:${f.path}:${read.marker.delivery?.next_attempt_at}`,
          `${f.path}: delivery failed before (${read.marker.delivery?.last_error ?? 'unknown'}); ${describeRetry(next.atMs, ctx.now())}`,
        );
      }
      return;
    }
    const first = reported.get(deliveryIdOf(read.marker));
    if (first !== undefined && !ctx.dryRun) return void seconds.push({ ...f, first });
    candidates.push({ markerPath: f.path, workDir: f.workDir, marker: read.marker });
  });
  // Two final reports of one run in one pass (a `lost` verdict and the real marker): the real one goes.
  const byId = new Map<string, Candidate>();
  for (const c of [...candidates]) {
    const id = deliveryIdOf(c.marker);
    const other = byId.get(id);
    if (!other) {
      byId.set(id, c);
      continue;
    }
    const [keep, drop] = other.marker.status === 'lost' ? [c, other] : [other, c];
    byId.set(id, keep);
    candidates.splice(candidates.indexOf(drop), 1);
    if (!ctx.dryRun) seconds.push({ path: drop.markerPath, workDir: drop.workDir, first: keep.marker.status });
  }
  for (const f of seconds) if (await suppressSecondReport(f.path, f.workDir, f.first, ctx)) summary.found -= 1;

  for (const f of clamped) {
    if (await reschedule(f.path, f.workDir, f.atMs, ctx)) {
      ctx.logger.warn(
        `${f.path}: its retry time (${describeWhen(Date.parse(f.stored), ctx.now())}) lies beyond the backoff ` +
          '(written by a clock running ahead?); ' +
          `${describeRetry(f.atMs, ctx.now())}`,
      );
    }
  }

  if (ctx.dryRun) {
    for (const f of corrupt) {
      ctx.logger.warn(`corrupt marker ${f.path} (would be moved to ${basename(f.path)}.bad after monitor.corrupt_grace)`);
    }
  } else {
    // Unreadable markers wait out monitor.corrupt_grace (a writer may still be at work), then are set aside and reported once.
    const handled = await handleCorruptMarkers(corrupt, ctx);
    summary.bad += handled.setAside;
    summary.found -= handled.waiting;
    recovered.claimed.push(...handled.claimed);
  }

  const delivered: Array<{ id: string; status: string }> = [];
  let poisoned = false;
  const record = async (item: ClaimedMarker, outcome: DeliveryOutcome) => {
    if (outcome.delivered) delivered.push({ id: deliveryIdOf(item.marker), status: item.marker.status });
    if (outcome.delivered) summary.delivered += 1;
    else if (outcome.setAside) {
      summary.bad += 1;
      poisoned = true;
    }
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
    if (ctx.dryRun) {
      await printDigestDryRun(group.arrayJobId, group.members, ctx);
      continue;
    }
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
  // A marker set aside in this pass because its report could not be built: its one warning report goes now.
  if (poisoned) await handleCorruptMarkers([], ctx);
  if (delivered.length > 0) {
    await updateMonitorState(ctx.env, (state) => rememberReported(state, delivered, ctx.now()), { persist: true }).catch(
      (error: unknown) => {
        ctx.logger.warn(`cannot record the delivered reports in the monitor state (${(error as Error).message})`);
      },
    );
  }
  // In-run alerts (stalled, idle GPUs, resumed) for the runs still alive (lib/ops).
  if (!shouldStop()) await watchLiveRuns({ live, scan, targets }, ctx);
  return summary;
}

// Builds and prints one report without touching any file.
async function printSingleDryRun(marker: Marker, workDir: string, ctx: MonitorContext, where: string): Promise<void> {
  const { buildReport } = await import('../report/build.js');
  const outsideLog = outsideLogFor(where, marker, ctx);
  const report = await buildReport(marker, { workDir, report: ctx.config.report, logger: ctx.logger, outsideLog });
  await printDryRun(report, ctx, where);
}


// Builds and prints one array job's digest without touching any file.
async function printDigestDryRun(arrayJobId: string, members: Candidate[], ctx: MonitorContext): Promise<void> {
  const { buildDigestReport } = await import('../report/digest.js');
  const items = members.map((m) => ({
    marker: m.marker,
    workDir: m.workDir ?? m.marker.work_dir,
    outsideLog: outsideLogFor(m.markerPath, m.marker, ctx),
  }));
  const report = await buildDigestReport(items, { report: ctx.config.report, logger: ctx.logger, workDir: items[0].workDir });
  await printDryRun(report, ctx, `digest of array job ${arrayJobId} (${members.length} tasks)`);
}
