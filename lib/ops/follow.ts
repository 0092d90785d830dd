import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parseMarker, type Marker } from '../common/marker.js';
import type { Logger } from '../common/logger.js';
import { formatDuration } from '../common/duration.js';
import { parseClaimName } from '../delivery/claim-name.js';
import { markerNameFor } from '../monitor/lost.js';
import { cleanLine } from '../report/clean.js';
import { resolveLogPath } from '../report/log-path.js';
import { readLogTail } from '../report/tail.js';
import { readHistory, type HistoryEntry } from './history.js';
import { findRuns, isLive, resolveLiveRun, RunLookupError } from './resolve-run.js';
import { collectRuns, logPathOf, runLabel, type RunRow } from './runs.js';

/** How often the log and the end are polled (NFS-safe; no inotify). */
export const FOLLOW_POLL_MS = 500;

/** How a run ended, for the last line of `follow`. */
interface Ending {
  status: string;
  exit_code: number | null;
  signal: string | null;
  duration_s: number | null;
  note: string | null;
}

/** `── run r1 ended: failed, exit code 1 (signal …), after 1h 02m 03s` */
export function endingLine(row: Pick<RunRow, 'run_id' | 'work_dir'>, end: Ending): string {
  const parts = [`exit code ${end.exit_code ?? 'none'}`];
  if (end.signal) parts.push(`signal ${end.signal}`);
  if (end.duration_s) parts.push(`after ${formatDuration(end.duration_s)}`);
  const verb = end.status === 'lost' ? 'is lost' : 'ended';
  return `── run ${runLabel(row)} ${verb}: ${end.status}, ${parts.join(', ')}${end.note ? ` (${end.note})` : ''}`;
}

const fromMarker = (m: Marker): Ending => ({
  status: m.status,
  exit_code: m.exit_code,
  signal: m.signal,
  duration_s: m.duration_s || null,
  note: m.status === 'lost' ? (m.scheduler_note ?? null) : null,
});

// The run's end, if it came: its marker (or a monitor's claim of it), else a delivered report in the history.
async function findEnding(row: RunRow, env: NodeJS.ProcessEnv): Promise<Ending | null> {
  const dir = dirname(row.heartbeat_file!);
  const markerName = markerNameFor(basename(row.heartbeat_file!));
  const names = await readdir(dir).catch(() => [] as string[]);
  const candidates = names.filter((n) => n === markerName || parseClaimName(n)?.base === markerName);
  for (const name of candidates) {
    try {
      return fromMarker(parseMarker(await readFile(join(dir, name), 'utf8'), name));
    } catch {
      // renamed meanwhile or half-claimed: look again next poll
    }
  }
  if (names.includes(basename(row.heartbeat_file!))) return null;
  const history: HistoryEntry[] = await readHistory(env).catch(() => []);
  const done = [...history]
    .reverse()
    .find((e) => e.kind === 'end' && e.work_dir === row.work_dir && e.run_id === row.run_id && e.started_at === row.started_at);
  return done ? { status: done.status, exit_code: done.exit_code, signal: null, duration_s: done.duration_s, note: null } : null;
}

// The run to follow: RUN, or the newest live run.
async function pickRun(run: string | undefined, env: NodeJS.ProcessEnv, cwd: string): Promise<RunRow> {
  if (run !== undefined) {
    try {
      return await resolveLiveRun(run, env, cwd);
    } catch (error) {
      if (!(error instanceof RunLookupError) || error.code !== 'E_RUN_ENDED') throw error;
      return (await findRuns(run, env, cwd))[0];
    }
  }
  const live = (await collectRuns({ env, lastLine: false })).filter((r) => isLive(r) && r.state !== 'lost');
  if (live.length === 0) {
    throw new RunLookupError('E_NO_RUNNING', 'no run is running now', 'train-monitor status --all lists every run; follow RUN names one');
  }
  return live[0];
}

/**
 * `train-monitor follow [RUN]`: the last `lines` lines of the run's log, then every new line as it comes (the
 * `tail` package polling every 500 ms, so it works on NFS), until the run's marker (or its lost verdict) appears;
 * ends with the run's final status line, exit 0. An ended run prints its last lines and that line at once.
 */
export async function runFollow(
  args: { run?: string; lines: number },
  io: { env: NodeJS.ProcessEnv; cwd: string; logger: Logger },
): Promise<number> {
  const row = await pickRun(args.run, io.env, io.cwd);
  const out = (line: string) => io.logger.out(cleanLine(line, 100_000));
  const logPath = () => logPathOf(row);
  if (!isLive(row)) {
    const path = await logPath();
    if (path) for (const line of (await readLogTail(path, args.lines)).lines) out(line);
    io.logger.out(
      endingLine(row, { status: row.status ?? row.state, exit_code: row.exit_code, signal: null, duration_s: row.elapsed_s, note: null }),
    );
    return 0;
  }
  io.logger.info(`following run ${runLabel(row)} on ${row.host || 'its node'} (${row.log_file ?? 'no log yet'}); Ctrl-C to stop`);
  const { Tail } = await import('tail');
  let tail: InstanceType<typeof Tail> | null = null;
  let path: string | null = null;
  let stopped = false;
  let outside = false;
  const onSignal = () => {
    stopped = true;
  };
  process.once('SIGINT', onSignal);
  try {
    for (;;) {
      if (!tail && !outside && (path = await logPath()) === null && row.log_file) {
        const note = (await resolveLogPath({ log_file: row.log_file, work_dir: row.work_dir } as Marker, row.work_dir)).note;
        if (note?.kind === 'outside_work_dir') {
          outside = true;
          io.logger.warn(`the log ${row.log_file} is outside the work dir ${row.work_dir}; its lines are not shown (the end still is)`);
        }
      }
      if (!tail && path) {
        tail = new Tail(path, { nLines: args.lines, follow: true, useWatchFile: true, fsWatchOptions: { interval: FOLLOW_POLL_MS } });
        tail.on('line', out);
        tail.on('error', (error: unknown) => io.logger.warn(`reading ${path}: ${String(error)}`));
      }
      const end = await findEnding(row, io.env);
      if (end) {
        if (tail && path) await drain(tail, path);
        io.logger.out(endingLine(row, end));
        return 0;
      }
      if (stopped) return 130;
      await new Promise((r) => setTimeout(r, FOLLOW_POLL_MS));
    }
  } finally {
    process.off('SIGINT', onSignal);
    tail?.unwatch();
  }
}

// Lets the tail catch up with the file's final size (at most a few polls), then prints a last unterminated line.
async function drain(tail: InstanceType<typeof import('tail').Tail>, path: string): Promise<void> {
  const t = tail as unknown as { currentCursorPos?: number; queue?: unknown[]; buffer?: string; emit(event: string, line: string): void };
  const deadline = Date.now() + 6 * FOLLOW_POLL_MS;
  while (Date.now() < deadline) {
    const size = await stat(path).then((s) => s.size, () => 0);
    if ((t.currentCursorPos ?? 0) >= size && (t.queue?.length ?? 0) === 0) break;
    await new Promise((r) => setTimeout(r, FOLLOW_POLL_MS / 5));
  }
  await new Promise((r) => setTimeout(r, 20));
  if (t.buffer) {
    t.emit('line', t.buffer);
    t.buffer = '';
  }
}
