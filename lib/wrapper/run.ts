import { existsSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, isAbsolute, join } from 'node:path';
import type { Config } from '../config/types.js';
import { errnoCode } from '../common/errors.js';
import { formatDuration } from '../common/duration.js';
import type { Logger } from '../common/logger.js';
import type { AttemptRecord, GpuSummary, Heartbeat, SpoolEntry } from '../common/marker.js';
import { controlFileName, heartbeatFileName, isoLocal, logFileName, markerFileName, resolveRunId } from '../common/paths.js';
import { pauseAt } from '../common/test-hook.js';
import { VERSION } from '../common/version.js';
import { createGpuSampler, type GpuSampler } from '../gpu/sampler.js';
import { readSlurmInfo, resolveJobEndTime } from '../slurm/env.js';
import { startAttempt, type Attempt } from './attempt.js';
import { listenForSignals } from './child.js';
import { watchControlFile, type ControlRequest } from './control.js';
import { startAttemptNotice } from './attempt-notify.js';
import { deliverOwnMarker, saveMarker } from './finish.js';
import { claimFile, startHeartbeat, type HeartbeatBase } from './heartbeat.js';
import { buildMarker, chooseMarkerName } from './marker-writer.js';
import type { WrapperOptions } from './options.js';
import { closeLog, createLog, currentUser, logFileStats, relativeInside } from './output.js';
import { attemptSeparator, createInterruptibleWait, nextRetryDelayMs, shouldRetry } from './retries.js';
import { spoolEntryPath, spoolKey, spoolLogFile, writeSpoolEntry } from './spool.js';
import { classifyEnd, TERMINATING_SIGNALS, type Classification, type OutsideSignal } from './status.js';

/** Everything a run needs from its surroundings. */
export interface WrapperContext {
  env: NodeJS.ProcessEnv;
  logger: Logger;
  /** The loaded config (for --notify); null when none is needed. */
  config: Config | null;
}

/** How long to wait for the end-time lookup and the GPU sampler at the end (marker within ~1 s). */
const LOOKUP_WAIT_MS = 300;

const delay = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms).unref());

/** Runs the command to its end: log, heartbeat, spool entry, signals, marker; returns the command's exit status. */
export async function runWrapper(options: WrapperOptions, context: WrapperContext): Promise<number> {
  // Signals are listened for before anything starts: a scancel in the job's first moments must not kill the wrapper
  // by its default action, which would leave the command running with no marker. Until the run takes them over, a
  // terminating signal is kept (and acted on once an attempt has started) and the others have nothing to reach.
  const inbox: SignalInbox = { early: null, handle: null };
  const stopListening = listenForSignals((signal) => {
    if (inbox.handle) inbox.handle(signal);
    else if (TERMINATING_SIGNALS.has(signal)) inbox.early ??= signal;
  });
  try {
    return await runListening(options, context, inbox);
  } finally {
    stopListening();
  }
}

/** Signals received before the run took them over (the first terminating one), and the run's handler once it has. */
interface SignalInbox {
  early: NodeJS.Signals | null;
  handle: ((signal: NodeJS.Signals) => void) | null;
}

async function runListening(options: WrapperOptions, context: WrapperContext, inbox: SignalInbox): Promise<number> {
  const { env, logger } = context;
  const startedAt = new Date();
  const host = hostname();
  const pid = process.pid;
  let runId = resolveRunId(options.runId, env);
  const log = createLog(options.logDir, logFileName(startedAt, runId));
  const logFile = relativeInside(options.workDir, log.path);
  const slurm = readSlurmInfo(env);
  const user = currentUser(env);
  // What every marker of this run holds (the final one, and each attempt's with notify_each_attempt).
  const factsOf = (id: string | null, endedAt: Date, gpus: GpuSummary[]) => ({
    runId: id, command: options.command.text, workDir: options.workDir, logFile, host, user, pid, startedAt, endedAt, slurm, gpus,
    version: VERSION,
  });
  const heartbeatBase = (id: string | null): HeartbeatBase => ({
    schema: 1, run_id: id, pid, host, user, command: options.command.text,
    work_dir: options.workDir, started_at: isoLocal(startedAt), log_file: logFile, slurm, stall_after_s: options.stallAfterS,
  });
  // A run without an id whose plain names are taken (another run here, an undelivered marker) gets its own.
  const fallbackRunId = `${/^train_(\d{8}_\d{6})/.exec(basename(log.path))?.[1] ?? startedAt.getTime()}_${pid}`;
  if (
    runId === null &&
    (existsSync(join(options.workDir, markerFileName(null))) ||
      !(await claimPlainHeartbeat(options.workDir, heartbeatBase(null), options.retries + 1)))
  ) {
    runId = fallbackRunId;
  }

  const maxAttempts = options.retries + 1;
  const attempts: AttemptRecord[] = [];
  const state = {
    attempt: 1,
    phase: 'running' as 'running' | 'waiting' | 'ending',
    outside: null as OutsideSignal | null,
    stop: null as ControlRequest | null,
  };
  // Output bytes and the last output's time, from the log itself (whoever copies into it: tee or the wrapper).
  const stats = logFileStats(log.fd);
  const commandEnv = { ...env, PYTHONUNBUFFERED: env.PYTHONUNBUFFERED ?? '1' };
  const startOne = () =>
    startAttempt({ command: options.command, cwd: options.workDir, env: commandEnv, log, killGraceMs: options.killGraceMs, logger });
  // Each attempt's tee listens for errors on the console streams.
  for (const stream of [process.stdout, process.stderr]) stream.setMaxListeners(Math.max(stream.getMaxListeners(), maxAttempts + 10));
  let attemptStartedAt = new Date();
  // The attempt running; null while one starts.
  let current: Attempt | null = null;
  const pause = createInterruptibleWait();
  // A stop (signal from outside, or the control file): ends the attempt running (grace, then SIGKILL) or the wait.
  const endRun = (signal: NodeJS.Signals, said: string) => {
    if (state.phase === 'ending') return;
    if (state.outside === null) {
      state.outside = { signal, at: new Date() };
      logger.info(
        state.phase === 'waiting'
          ? `${said}: no further attempt`
          : `${said}: ${signal} passed on to the command; SIGKILL to its processes in ${options.killGraceMs / 1000} s`,
      );
    }
    if (state.phase === 'waiting') pause.interrupt();
    else current?.supervisor.terminate(signal);
  };
  inbox.handle = (signal) => {
    if (!TERMINATING_SIGNALS.has(signal)) return current?.supervisor.forward(signal);
    endRun(signal, `${signal} received`);
  };
  if (inbox.early !== null) endRun(inbox.early, `${inbox.early} received`);
  // Starts an attempt; a stop that came while it was starting reaches it as soon as it exists.
  const begin = async (): Promise<Attempt> => {
    current = null;
    state.phase = 'running';
    pauseAt(`attempt-${state.attempt}-starting`);
    const attempt = await startOne();
    pauseAt(`attempt-${state.attempt}-started`);
    current = attempt;
    if (state.outside !== null) attempt.supervisor.terminate(state.outside.signal);
    return attempt;
  };
  let running = await begin();
  const onControl = (request: ControlRequest) => {
    const signal = `SIG${request.signal}` as NodeJS.Signals;
    const who = `${request.by}${request.reason ? ` (${request.reason})` : ''}`;
    if (request.signal === 'USR1' || request.signal === 'USR2') {
      logger.info(`${signal} asked by ${who}: ${state.phase === 'running' ? 'passed on to the command' : 'no command running now'}`);
      if (state.phase === 'running') current?.supervisor.forward(signal);
      return;
    }
    if (state.phase !== 'ending') state.stop ??= request;
    endRun(signal, `stop asked by ${who}`);
  };
  const stopWatching = watchControlFile({
    path: join(options.workDir, controlFileName(runId)),
    runId,
    startedAt,
    intervalMs: options.controlIntervalMs,
    onRequest: onControl,
    logger,
  });

  try {
    logger.info(`running: ${options.command.text}`);
    logger.info(`log: ${log.path}`);
    const jobEnd = resolveJobEndTime(env).catch(() => null);
    let sampler: GpuSampler | null = null;
    const samplerReady = createGpuSampler({ env }).then((created) => {
      sampler = created;
      if (!created.available && created.problem && !/not found/.test(created.problem)) logger.warn(`GPUs not recorded: ${created.problem}`);
    }, () => undefined);

    const key = spoolKey(host, pid, startedAt);
    const entryPath = spoolEntryPath(key, env);
    const entry: SpoolEntry = {
      schema: 1,
      run_id: runId,
      work_dir: options.workDir,
      marker_file: chooseMarkerName(options.workDir, runId, fallbackRunId).name,
      heartbeat_file: heartbeatFileName(runId),
      log_file: spoolLogFile(options.workDir, log.path, logFile),
      host,
      pid,
      started_at: isoLocal(startedAt),
      slurm_job_id: slurm?.job_id ?? null,
    };
    const registered = writeSpoolEntry(entryPath, entry).then(() => true, (error: unknown) => {
      logger.warn(
        `cannot register the run in the spool (${errnoCode(error) ?? String(error)}): a monitor needs --work-dir ${options.workDir}`,
      );
      return false;
    });
    const heartbeat = startHeartbeat({
      path: join(options.workDir, entry.heartbeat_file),
      base: heartbeatBase(runId),
      intervalMs: options.heartbeatIntervalMs,
      stats,
      sampleGpus: async () => {
        const now = sampler as GpuSampler | null;
        return now?.available ? now.sampleNow() : undefined;
      },
      progress: () => ({ attempt: state.attempt, max_attempts: maxAttempts }),
      logger,
    });

    // Every attempt: wait for its end, classify it, and start it again while it fails on its own and retries are left.
    let result: Classification;
    let endedAt: Date;
    const notices: Array<Promise<void>> = [];
    let logError: string | null = null;
    for (;;) {
      const finished = await running.finished;
      endedAt = finished.endedAt;
      logError ??= finished.logError;
      const jobEndTime = await Promise.race([jobEnd, delay(LOOKUP_WAIT_MS, null)]);
      result = classifyEnd({ end: finished.end, outside: state.outside, endedAt, jobEndTime });
      if (state.stop !== null) result = { ...result, status: 'terminated' };
      attempts.push({
        attempt: attempts.length + 1,
        started_at: isoLocal(attemptStartedAt),
        ended_at: isoLocal(endedAt),
        exit_code: result.exitCode,
        signal: result.signal,
      });
      if (!shouldRetry({ result, stopped: state.outside !== null, attempt: attempts.length, maxAttempts })) break;
      state.phase = 'waiting';
      const waitMs = nextRetryDelayMs(
        options.retryDelayMs,
        attempts.map((a) => ({ startedAt: new Date(a.started_at), endedAt: new Date(a.ended_at) })),
      );
      logger.info(
        `attempt ${attempts.length} of ${maxAttempts} failed (exit ${result.exitCode}); ` +
          `attempt ${attempts.length + 1} in ${formatDuration(waitMs / 1000)}`,
      );
      if (options.notify && context.config?.train.notify_each_attempt) {
        // train.notify_each_attempt: the report is built now (before the next attempt writes to the log) and sent
        // while the wait runs; the final report waits for it below, at most ATTEMPT_NOTIFY_TIMEOUT_MS.
        const marker = buildMarker(factsOf(runId, endedAt, []), { ...result, status: 'failed' }, { attempts: [...attempts], maxAttempts });
        const notice = await startAttemptNotice({
          marker,
          attempt: attempts.length,
          of: maxAttempts,
          nextInS: waitMs / 1000,
          workDir: options.workDir,
          logPath: log.path,
          config: context.config,
          logger,
          env,
        });
        notices.push(notice.sent);
      }
      if (!(await pause.wait(waitMs)) || state.outside !== null) {
        // Stopped while waiting: the run ends now, as the stop's signal would have ended a command.
        const outside = state.outside ?? { signal: 'SIGTERM' as NodeJS.Signals, at: new Date() };
        endedAt = new Date();
        result = classifyEnd({ end: { code: null, signal: outside.signal, spawnError: null }, outside, endedAt, jobEndTime });
        if (state.stop !== null) result = { ...result, status: 'terminated' };
        break;
      }
      writeSeparator(log, attemptSeparator(attempts.length + 1, maxAttempts, attempts[attempts.length - 1]));
      attemptStartedAt = new Date();
      state.attempt += 1;
      running = await begin();
    }
    // The command has ended for good: from here on every step is bounded, so the marker lands within about a second.
    state.phase = 'ending';
    await stopWatching();
    stats.freeze();
    closeLog(log.fd);
    await heartbeat.stop();
    await Promise.race([samplerReady, delay(LOOKUP_WAIT_MS, null)]);

    const chosen = chooseMarkerName(options.workDir, runId, fallbackRunId);
    const gpus = (sampler as GpuSampler | null)?.summary() ?? [];
    const facts = factsOf(chosen.runId, endedAt, gpus);
    const extras = {
      ...(options.retries > 0 ? { attempts, maxAttempts } : {}),
      ...(state.stop !== null ? { stoppedBy: state.stop.by, stopReason: state.stop.reason } : {}),
      logError,
    };
    const saved = await saveMarker({
      marker: buildMarker(facts, result, extras),
      workDir: options.workDir,
      name: chosen.name,
      key,
      env,
      logger,
    });
    await heartbeat.remove();
    const took = formatDuration((endedAt.getTime() - startedAt.getTime()) / 1000);
    const tries = attempts.length > 1 ? ` (attempt ${attempts.length} of ${maxAttempts})` : '';
    logger.info(
      `command ended: ${result.status}, exit ${result.exitCode}${result.signal ? ` (${result.signal})` : ''} after ${took}${tries}`,
    );
    if (saved !== null) logger.info(`marker: ${saved}`);

    const entryStands = await registered;
    if (entryStands && saved !== null && saved !== join(options.workDir, entry.marker_file)) {
      // The marker went elsewhere than registered (a renamed or spooled marker): point the entry at it.
      await writeSpoolEntry(entryPath, { ...entry, run_id: chosen.runId, marker_file: relativeInside(options.workDir, saved) }).catch(
        () => undefined,
      );
    }
    await Promise.all(notices);
    if (options.notify && saved !== null && context.config) {
      await deliverOwnMarker({
        markerPath: saved,
        workDir: options.workDir,
        config: context.config,
        logger,
        env,
        entryPath: entryStands ? entryPath : null,
        ownLog: isAbsolute(entry.log_file) ? entry.log_file : null,
      });
    }
    return result.exitCode;
  } finally {
    state.phase = 'ending';
    void stopWatching();
    running.stopGuard();
  }
}

// The line between attempts, into the log and the job's output; counted as output bytes (log_bytes = log size).
function writeSeparator(log: { fd: number }, line: string): void {
  try {
    writeSync(log.fd, line); // the log is opened for appending: it lands after the last attempt's output
  } catch {
    // the log already failed and was warned about; the console still shows the line
  }
  process.stdout.write(line);
}

// Takes the plain `.train_running.json` for this run (seq 0), unless another run holds it; a failure to write
// at all is left to the heartbeat's own warning.
async function claimPlainHeartbeat(workDir: string, base: HeartbeatBase, maxAttempts: number): Promise<boolean> {
  const first: Heartbeat = {
    ...base,
    seq: 0,
    updated_at: base.started_at,
    log_bytes: 0,
    last_output_at: null,
    attempt: 1,
    max_attempts: maxAttempts,
    gpus_now: [],
  };
  const text = `${JSON.stringify(first, null, 2)}\n`;
  try {
    return await claimFile(join(workDir, heartbeatFileName(null)), text);
  } catch {
    return true;
  }
}
