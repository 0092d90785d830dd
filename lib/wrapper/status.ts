import { constants } from 'node:os';
import type { RunStatus } from '../common/marker.js';
import { isAtJobEnd } from '../slurm/env.js';

/** How the command ended, as the child lifecycle saw it. */
export interface CommandEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** errno code when the command could not be started without a shell (ENOENT, EACCES, …). */
  spawnError: string | null;
}

/** A terminating signal that reached the wrapper from outside, and when. */
export interface OutsideSignal {
  signal: NodeJS.Signals;
  at: Date;
}

export interface Classification {
  status: Exclude<RunStatus, 'lost'>;
  exitCode: number;
  signal: string | null;
}

/** Signals that mean "stop" when they come from outside; crash signals (SIGSEGV, SIGABRT, …) mean failure. */
export const TERMINATING_SIGNALS: ReadonlySet<string> = new Set(['SIGTERM', 'SIGINT', 'SIGHUP']);
const OUTSIDE_KILLS: ReadonlySet<string> = new Set(['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGKILL']);

/**
 * Through `sh -c`, a command killed by a signal shows up as the shell's exit code 128+N (the shell itself traps
 * TERM/INT/HUP and waits for the command). Those codes of the stop signals are read back as the signal, as a
 * shell user reads them; the exit status stays the same number.
 */
export function readShellSignal(end: CommandEnd): CommandEnd {
  if (end.signal !== null || end.code === null || end.code <= 128) return end;
  const number = end.code - 128;
  const signal = [...OUTSIDE_KILLS].find((name) => constants.signals[name as NodeJS.Signals] === number);
  return signal ? { ...end, code: null, signal: signal as NodeJS.Signals } : end;
}

/** The shell's exit status for a command: its code, 128+N for signal N, 127 not found, 126 not executable. */
export function exitStatusOf(end: CommandEnd): number {
  if (end.spawnError !== null) return end.spawnError === 'ENOENT' ? 127 : 126;
  if (end.signal !== null) return 128 + (constants.signals[end.signal] ?? 0);
  return end.code ?? 1;
}

/**
 * Pure: success / failed / terminated / timeout from how the command ended, any terminating signal the wrapper
 * received, and the job's end time (null outside Slurm: never timeout).
 */
export function classifyEnd(input: {
  end: CommandEnd;
  outside: OutsideSignal | null;
  endedAt: Date;
  jobEndTime: Date | null;
}): Classification {
  const { end, outside, endedAt, jobEndTime } = input;
  const exitCode = exitStatusOf(end);
  const signal = end.signal ?? outside?.signal ?? null;
  const isTimeout = (sig: string, at: Date) => sig === 'SIGTERM' && isAtJobEnd(jobEndTime, at);
  if (outside !== null && end.spawnError === null) {
    return { status: isTimeout(outside.signal, outside.at) ? 'timeout' : 'terminated', exitCode, signal };
  }
  if (end.signal !== null && OUTSIDE_KILLS.has(end.signal)) {
    return { status: isTimeout(end.signal, endedAt) ? 'timeout' : 'terminated', exitCode, signal };
  }
  return { status: exitCode === 0 ? 'success' : 'failed', exitCode, signal };
}
