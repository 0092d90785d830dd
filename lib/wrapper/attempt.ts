import type { Logger } from '../common/logger.js';
import { startCommand, superviseCommand } from './child.js';
import type { CommandSpec } from './options.js';
import { describeSpawnError, startOutput } from './output.js';
import { readShellSignal, type CommandEnd } from './status.js';

type Sink = NodeJS.WritableStream & NodeJS.EventEmitter;

/**
 * How long to wait, after the command exited and its group's leftovers were killed, for the copying to drain into
 * the log (tee on a loaded node can lag); only output a process outside the group still writes is cut off.
 */
const PIPE_CLOSE_WAIT_MS = 10_000;

const delay = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms).unref());

export type Supervisor = ReturnType<typeof superviseCommand>;

/** One start of the command: its supervisor (for signals) and its end, once its output is in the log. */
export interface Attempt {
  supervisor: Supervisor;
  /** Resolves when the command exited, its group's leftovers were killed and its output drained (bounded). */
  finished: Promise<{ end: CommandEnd; endedAt: Date; logError: string | null }>;
  /** Ends the orphan guard (also done when finished; safe to call twice). */
  stopGuard: () => void;
}

/**
 * Starts the command once, in its own process group, its output copied to the console and appended to the open
 * log (by coreutils tee where installed, see output.ts). Each attempt has its own copying, drained before the next
 * attempt's separator is written, so the log keeps the attempts in order.
 */
export async function startAttempt(input: {
  command: CommandSpec;
  cwd: string;
  env: NodeJS.ProcessEnv;
  log: { fd: number; path: string };
  killGraceMs: number;
  logger: Logger;
}): Promise<Attempt> {
  const { command: spec, logger } = input;
  const output = await startOutput(input.log, process.stdout as Sink, process.stderr as Sink, logger);
  const command = startCommand(spec, { cwd: input.cwd, env: input.env, output: output.targets });
  output.attach(command);
  output.guard.arm(command.pid);
  const supervisor = superviseCommand(command, input.killGraceMs);
  const stopGuard = () => output.guard.stop();
  const finished = (async () => {
    const exited = await command.exited;
    const end = spec.shell ? readShellSignal(exited) : exited;
    const endedAt = new Date();
    if (end.spawnError) logger.error(describeSpawnError(spec.shell ? '/bin/sh' : spec.file, end.spawnError));
    if (supervisor.killLeftovers()) logger.info('killed the processes the command left running in its process group');
    stopGuard();
    await Promise.race([output.done, delay(PIPE_CLOSE_WAIT_MS, null)]);
    output.stop();
    return { end, endedAt, logError: output.logError() };
  })();
  return { supervisor, finished, stopGuard };
}
