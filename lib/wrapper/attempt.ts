import type { Logger } from '../common/logger.js';
import { startCommand, superviseCommand } from './child.js';
import type { CommandSpec } from './options.js';
import { startOrphanGuard } from './orphan-guard.js';
import { describeSpawnError, startTee } from './output.js';
import { readShellSignal, type CommandEnd } from './status.js';
import type { OutputStats } from './tee.js';

type Sink = NodeJS.WritableStream & NodeJS.EventEmitter;

/** How long to wait, after the command exited, for its pipes (the marker lands within about a second). */
const PIPE_CLOSE_WAIT_MS = 1000;

const delay = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms).unref());

export type Supervisor = ReturnType<typeof superviseCommand>;

/** One start of the command: its supervisor (for signals) and its end, once its output is in the log. */
export interface Attempt {
  supervisor: Supervisor;
  /** Resolves when the command exited, its group's leftovers were killed and its pipes drained (bounded). */
  finished: Promise<{ end: CommandEnd; endedAt: Date }>;
  /** Ends the orphan guard (also done when finished; safe to call twice). */
  stopGuard: () => void;
}

/** Starts the command once, in its own process group, its output teed into the open log and counted in `stats`. */
export function startAttempt(input: {
  command: CommandSpec;
  cwd: string;
  env: NodeJS.ProcessEnv;
  log: { fd: number; path: string };
  stats: OutputStats;
  killGraceMs: number;
  logger: Logger;
}): Attempt {
  const { command: spec, logger } = input;
  const command = startCommand(spec, { cwd: input.cwd, env: input.env });
  const supervisor = superviseCommand(command, input.killGraceMs);
  const stopGuard = startOrphanGuard(process.pid, command.pid);
  const teeDone = startTee(command, input.log, input.stats, process.stdout as Sink, process.stderr as Sink, logger);
  const finished = (async () => {
    const exited = await command.exited;
    const end = spec.shell ? readShellSignal(exited) : exited;
    const endedAt = new Date();
    if (end.spawnError) logger.error(describeSpawnError(spec.shell ? '/bin/sh' : spec.file, end.spawnError));
    if (supervisor.killLeftovers()) logger.info('killed the processes the command left running in its process group');
    stopGuard();
    await Promise.race([teeDone, delay(PIPE_CLOSE_WAIT_MS, null)]);
    command.stdout?.destroy();
    command.stderr?.destroy();
    return { end, endedAt };
  })();
  return { supervisor, finished, stopGuard };
}
