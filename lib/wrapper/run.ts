import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import type { Config } from '../config/types.js';
import { errnoCode } from '../common/errors.js';
import { formatDuration } from '../common/duration.js';
import type { Logger } from '../common/logger.js';
import type { Heartbeat, SpoolEntry } from '../common/marker.js';
import { heartbeatFileName, isoLocal, logFileName, markerFileName, resolveRunId } from '../common/paths.js';
import { VERSION } from '../common/version.js';
import { createGpuSampler, type GpuSampler } from '../gpu/sampler.js';
import { readSlurmInfo, resolveJobEndTime } from '../slurm/env.js';
import { listenForSignals, startCommand, superviseCommand } from './child.js';
import { deliverOwnMarker, saveMarker } from './finish.js';
import { startOrphanGuard } from './orphan-guard.js';
import { claimFile, startHeartbeat, type HeartbeatBase } from './heartbeat.js';
import { buildMarker, chooseMarkerName } from './marker-writer.js';
import type { WrapperOptions } from './options.js';
import { closeLog, createLog, currentUser, describeSpawnError, relativeInside, startOutput } from './output.js';
import { spoolEntryPath, spoolKey, writeSpoolEntry } from './spool.js';
import { classifyEnd, readShellSignal, TERMINATING_SIGNALS, type OutsideSignal } from './status.js';

/** Everything a run needs from its surroundings. */
export interface WrapperContext {
  env: NodeJS.ProcessEnv;
  logger: Logger;
  /** The loaded config (for --notify); null when none is needed. */
  config: Config | null;
}

type Sink = NodeJS.WritableStream & NodeJS.EventEmitter;

/** How long to wait, after the command exited, for its pipes and the end-time lookup (marker within ~1 s). */
const PIPE_CLOSE_WAIT_MS = 1000;
const LOOKUP_WAIT_MS = 300;

const delay = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms).unref());

/** Runs the command to its end: log, heartbeat, spool entry, signals, marker; returns the command's exit status. */
export async function runWrapper(options: WrapperOptions, context: WrapperContext): Promise<number> {
  const { env, logger } = context;
  const startedAt = new Date();
  const host = hostname();
  const pid = process.pid;
  let runId = resolveRunId(options.runId, env);
  const log = createLog(options.logDir, logFileName(startedAt, runId));
  const logFile = relativeInside(options.workDir, log.path);
  const slurm = readSlurmInfo(env);
  const user = currentUser(env);
  const heartbeatBase = (id: string | null): HeartbeatBase => ({
    schema: 1, run_id: id, pid, host, user, command: options.command.text,
    work_dir: options.workDir, started_at: isoLocal(startedAt), log_file: logFile, slurm,
  });
  // A run without an id whose plain names are taken (another run here, an undelivered marker) gets its own.
  const fallbackRunId = `${/^train_(\d{8}_\d{6})/.exec(basename(log.path))?.[1] ?? startedAt.getTime()}_${pid}`;
  if (runId === null && (existsSync(join(options.workDir, markerFileName(null))) || !claimPlainHeartbeat(options.workDir, heartbeatBase(null)))) {
    runId = fallbackRunId;
  }

  const output = await startOutput(log, process.stdout as Sink, process.stderr as Sink, logger);
  const command = startCommand(options.command, { cwd: options.workDir, env: { ...env, PYTHONUNBUFFERED: env.PYTHONUNBUFFERED ?? '1' }, output: output.targets });
  output.attach(command);
  const supervisor = superviseCommand(command, options.killGraceMs);
  const stopGuard = startOrphanGuard(pid, command.pid);
  let outside: OutsideSignal | null = null;
  let classified = false;
  const stopListening = listenForSignals((signal) => {
    if (!TERMINATING_SIGNALS.has(signal)) return supervisor.forward(signal);
    if (!classified && outside === null) {
      outside = { signal, at: new Date() };
      logger.info(`${signal} received: passed on to the command; SIGKILL to its processes in ${options.killGraceMs / 1000} s`);
    }
    supervisor.terminate(signal);
  });

  try {
    logger.info(`running: ${options.command.text}`);
    logger.info(`log: ${log.path}`);
    const stats = output.stats;
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
      log_file: logFile,
      host,
      pid,
      started_at: isoLocal(startedAt),
      slurm_job_id: slurm?.job_id ?? null,
    };
    const registered = writeSpoolEntry(entryPath, entry).then(() => true, (error: unknown) => {
      logger.warn(`cannot register the run in the spool (${errnoCode(error) ?? String(error)}): a monitor needs --work-dir ${options.workDir}`);
      return false;
    });
    const heartbeat = startHeartbeat({
      path: join(options.workDir, entry.heartbeat_file),
      base: heartbeatBase(runId),
      intervalMs: options.heartbeatIntervalMs,
      stats,
      sampleGpus: async () => {
        const current = sampler as GpuSampler | null;
        return current?.available ? current.sample() : undefined;
      },
      logger,
    });

    // The command has ended: from here on every step is bounded, so the marker lands within about a second.
    const exited = await command.exited;
    const end = options.command.shell ? readShellSignal(exited) : exited;
    const endedAt = new Date();
    if (end.spawnError) logger.error(describeSpawnError(options.command.shell ? '/bin/sh' : options.command.file, end.spawnError));
    if (supervisor.killLeftovers()) logger.info('killed the processes the command left running in its process group');
    stopGuard();
    await Promise.race([output.done, delay(PIPE_CLOSE_WAIT_MS, null)]);
    output.stop();
    closeLog(log.fd);
    await heartbeat.stop();
    const jobEndTime = await Promise.race([jobEnd, delay(LOOKUP_WAIT_MS, null)]);
    const result = classifyEnd({ end, outside, endedAt, jobEndTime });
    classified = true;
    await Promise.race([samplerReady, delay(LOOKUP_WAIT_MS, null)]);

    const chosen = chooseMarkerName(options.workDir, runId, fallbackRunId);
    const gpus = (sampler as GpuSampler | null)?.summary() ?? [];
    const facts = { runId: chosen.runId, command: options.command.text, workDir: options.workDir, logFile, host, user, pid, startedAt, endedAt, slurm, gpus, version: VERSION };
    const saved = await saveMarker({ marker: buildMarker(facts, result), workDir: options.workDir, name: chosen.name, key, env, logger });
    await heartbeat.remove();
    const took = formatDuration((endedAt.getTime() - startedAt.getTime()) / 1000);
    logger.info(`command ended: ${result.status}, exit ${result.exitCode}${result.signal ? ` (${result.signal})` : ''} after ${took}`);
    if (saved !== null) logger.info(`marker: ${saved}`);

    const entryStands = await registered;
    if (entryStands && saved !== null && saved !== join(options.workDir, entry.marker_file)) {
      // The marker went elsewhere than registered (a renamed or spooled marker): point the entry at it.
      await writeSpoolEntry(entryPath, { ...entry, run_id: chosen.runId, marker_file: relativeInside(options.workDir, saved) }).catch(() => undefined);
    }
    if (options.notify && saved !== null && context.config) {
      await deliverOwnMarker({ markerPath: saved, workDir: options.workDir, config: context.config, logger, env, entryPath: entryStands ? entryPath : null });
    }
    return result.exitCode;
  } finally {
    stopGuard();
    stopListening();
  }
}

// Takes the plain `.train_running.json` for this run (seq 0), unless another run holds it; a failure to write
// at all is left to the heartbeat's own warning.
function claimPlainHeartbeat(workDir: string, base: HeartbeatBase): boolean {
  const first: Heartbeat = { ...base, seq: 0, updated_at: base.started_at, log_bytes: 0, last_output_at: null };
  const text = `${JSON.stringify(first, null, 2)}\n`;
  try {
    return claimFile(join(workDir, heartbeatFileName(null)), text);
  } catch {
    return true;
  }
}
