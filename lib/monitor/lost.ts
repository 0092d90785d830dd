import { hostname } from 'node:os';
import { lstat, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { errnoCode } from '../common/errors.js';
import { parseHeartbeat, type Heartbeat, type Marker } from '../common/marker.js';
import { formatDuration } from '../common/duration.js';
import { claimByRename, isPidDead, makeClaimName, noteHeld } from '../delivery/claim-name.js';
import type { FoundClaimFile } from '../delivery/recover.js';
import { mapLimit } from './concurrency.js';
import type { MonitorContext } from './context.js';
import { buildLostMarker, writeLostMarker, type SchedulerView } from './lost-marker.js';
import { pathExists } from '../common/no-clobber.js';
import type { FoundFile, ScanResult } from './scan.js';

/** A heartbeat this pass could read, with the work dir it belongs to. */
export interface LiveHeartbeat {
  file: FoundFile;
  heartbeat: Heartbeat;
  workDir: string;
}

/** The marker name that belongs to a heartbeat name. */
export function markerNameFor(heartbeatName: string): string {
  return heartbeatName.replace(/^\.train_running/, '.train_complete');
}

/** Reads the heartbeats that have no marker yet; others' files and corrupt ones are skipped with one warning. */
export async function readHeartbeats(scan: ScanResult, ctx: MonitorContext): Promise<LiveHeartbeat[]> {
  const open = scan.heartbeats.filter((f) => !scan.markerNames.get(f.target.dir)?.has(markerNameFor(f.name)));
  const read = await mapLimit(open, 32, async (file): Promise<LiveHeartbeat | null> => {
    try {
      const info = await lstat(file.path);
      if (ctx.uid !== null && info.uid !== ctx.uid) {
        ctx.warnOnce(`foreign:${file.path}`, `${file.path} belongs to uid ${info.uid}, not to this user (uid ${ctx.uid}); skipped`);
        return null;
      }
      const heartbeat = parseHeartbeat(await readFile(file.path, 'utf8'), file.path);
      return { file, heartbeat, workDir: file.target.workDir ?? heartbeat.work_dir };
    } catch (error) {
      if (errnoCode(error) !== 'ENOENT') {
        ctx.warnOnce(`badhb:${file.path}`, `cannot read heartbeat ${file.path}: ${(error as Error).message}`);
      }
      return null;
    }
  });
  return read.filter((h): h is LiveHeartbeat => h !== null);
}

/** What the scheduler says about silent runs: asked once for all of them. */
export async function askScheduler(
  runs: LiveHeartbeat[],
  ctx: MonitorContext,
): Promise<(run: LiveHeartbeat) => { running: boolean; view: SchedulerView }> {
  const ids = [...new Set(runs.map((r) => r.heartbeat.slurm?.job_id).filter((id): id is string => typeof id === 'string' && id !== ''))];
  if (ids.length === 0) return () => ({ running: false, view: { state: null, note: 'not a Slurm job; the heartbeat stopped' } });
  const { queryJobStates } = await import('../slurm/query.js');
  const answer = await queryJobStates(ids, { env: ctx.env });
  return (run) => {
    const id = run.heartbeat.slurm?.job_id;
    if (!id) return { running: false, view: { state: null, note: 'not a Slurm job; the heartbeat stopped' } };
    if (!answer.available) return { running: false, view: { state: null, note: `the scheduler could not be asked: ${answer.note}` } };
    const state = answer.states.get(id);
    if (!state) return { running: false, view: { state: null, note: `job ${id} is unknown to the scheduler (${answer.note})` } };
    const reason = state.reason ? `, reason ${state.reason}` : '';
    const exit = state.exitCode ? `, exit ${state.exitCode}` : '';
    return {
      running: state.running,
      view: { state: state.state, note: `Slurm says job ${id} is ${state.state}${reason}${exit} (${answer.note})` },
    };
  };
}

/**
 * Declares one silent run lost: claims its heartbeat by rename (one monitor wins), checks the seq did not move,
 * writes the `lost` marker without replacing a real one, then removes the heartbeat. Returns the marker path
 * to deliver in this pass, or null.
 */
export async function declareLost(run: LiveHeartbeat, view: SchedulerView, silentS: number, ctx: MonitorContext): Promise<string | null> {
  const markerPath = join(dirname(run.file.path), markerNameFor(run.file.name));
  const claimPath = join(dirname(run.file.path), makeClaimName(run.file.name));
  if (!(await claimByRename(run.file.path, claimPath))) return null;
  let heartbeat: Heartbeat;
  try {
    heartbeat = parseHeartbeat(await readFile(claimPath, 'utf8'), claimPath);
  } catch {
    heartbeat = run.heartbeat;
  }
  if (heartbeat.seq !== run.heartbeat.seq) {
    // The wrapper wrote again just now: it is alive. Put the heartbeat back (one rename: one name at every instant)
    // unless a newer one is there.
    if (await pathExists(run.file.path)) await unlink(claimPath).catch(() => undefined);
    else await rename(claimPath, run.file.path).catch(() => undefined);
    noteHeld(claimPath, false);
    return null;
  }
  try {
    return await finishLost(claimPath, markerPath, heartbeat, run.workDir, view, silentS, ctx);
  } catch (error) {
    noteHeld(claimPath, false); // stranded (e.g. a full disk): this monitor takes it over again in a later pass
    throw error;
  }
}

/** Writes the lost marker for a claimed heartbeat and removes the claim (also used to finish a dead monitor's claim). */
export async function finishLost(
  claimPath: string,
  markerPath: string,
  heartbeat: Heartbeat,
  workDir: string,
  view: SchedulerView,
  silentS: number | null,
  ctx: MonitorContext,
): Promise<string | null> {
  const marker: Marker = buildLostMarker(heartbeat, workDir, view, ctx.now());
  const written = await writeLostMarker(markerPath, marker);
  await unlink(claimPath).catch(() => undefined);
  noteHeld(claimPath, false);
  const silent = silentS === null ? '' : ` (heartbeat unchanged for ${formatDuration(silentS)})`;
  if (!written) {
    ctx.logger.info(`${basename(markerPath)}: the run wrote its own marker meanwhile; no lost report needed`);
    return markerPath;
  }
  ctx.logger.warn(`run ${heartbeat.run_id ?? heartbeat.command} in ${workDir} is lost${silent}: ${view.note}`);
  return markerPath;
}

/** Finishes a heartbeat claim taken over from a monitor that died before writing the run's `lost` marker. */
export async function finishAbandonedHeartbeat(
  claimPath: string,
  found: FoundClaimFile,
  ctx: MonitorContext,
): Promise<{ path: string; workDir: string | null } | null> {
  try {
    const heartbeat = parseHeartbeat(await readFile(claimPath, 'utf8'), claimPath);
    if (aliveHere(heartbeat)) {
      // Its run still runs here: the heartbeat goes back (one rename), no verdict.
      const heartbeatPath = join(dirname(claimPath), found.claim.base);
      if (await pathExists(heartbeatPath)) await unlink(claimPath).catch(() => undefined);
      else await rename(claimPath, heartbeatPath).catch(() => undefined);
      noteHeld(claimPath, false);
      return null;
    }
    const workDir = found.target.workDir ?? heartbeat.work_dir;
    const note = 'the heartbeat stopped; an earlier monitor declared the run lost and stopped before writing its marker';
    const dir = dirname(claimPath);
    const path = await finishLost(
      claimPath,
      join(dir, markerNameFor(found.claim.base)),
      heartbeat,
      workDir,
      { state: null, note },
      null,
      ctx,
    );
    return path ? { path, workDir: found.target.workDir } : null;
  } catch (error) {
    ctx.logger.error(`cannot read the heartbeat claimed at ${claimPath}: ${(error as Error).message}; left in place`);
    return null;
  }
}

/** A run whose process is alive on this very host is running, whatever its heartbeat says (it may fail to write it). */
export function aliveHere(heartbeat: { host?: unknown; pid?: unknown }): boolean {
  return heartbeat.host === hostname() && typeof heartbeat.pid === 'number' && heartbeat.pid > 0 && !isPidDead(heartbeat.pid);
}
