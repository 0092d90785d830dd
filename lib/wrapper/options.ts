import { accessSync, constants, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { parseDuration } from '../common/duration.js';
import { errnoCode, UsageError } from '../common/errors.js';
import type { TrainDefaults } from '../config/types.js';

/** Every default of the wrapper, in one place. */
export const WRAPPER_DEFAULTS = {
  logDir: 'logs',
  heartbeatIntervalS: 30,
  killGraceS: 20,
  quiet: false,
  notify: false,
  // Run operations (retries, stall hint, control file): see the block at the end of this file.
  retries: 0,
  retryDelayS: 30,
  controlIntervalS: 2,
} as const;

/** The environment variable that stands in for each flag (flag beats variable beats config beats default). */
export const WRAPPER_ENV = {
  workDir: 'HPC_RUN_WORK_DIR',
  command: 'HPC_RUN_COMMAND',
  logDir: 'HPC_RUN_LOG_DIR',
  runId: 'HPC_RUN_RUN_ID',
  heartbeatInterval: 'HPC_RUN_HEARTBEAT_INTERVAL',
  killGrace: 'HPC_RUN_KILL_GRACE',
  quiet: 'HPC_RUN_QUIET',
  notify: 'HPC_RUN_NOTIFY',
  config: 'HPC_RUN_CONFIG',
  retries: 'HPC_RUN_RETRIES',
  retryDelay: 'HPC_RUN_RETRY_DELAY',
  stallAfter: 'HPC_RUN_STALL_AFTER',
  controlInterval: 'HPC_RUN_CONTROL_INTERVAL',
} as const;

/** The command line as parsed, before defaults and checks. */
export interface RawWrapperArgs {
  workDir?: string;
  command?: string;
  argv?: string[];
  logDir?: string;
  runId?: string;
  heartbeatInterval?: string;
  killGrace?: string;
  quiet?: boolean;
  notify?: boolean;
  config?: string;
  retries?: string;
  retryDelay?: string;
  stallAfter?: string;
  controlInterval?: string;
}

/** How to start the command: through `/bin/sh -c`, or directly from an argument vector. */
export type CommandSpec = { shell: true; text: string } | { shell: false; file: string; args: string[]; text: string };

/** Validated options with every default filled in. */
export interface WrapperOptions {
  workDir: string;
  command: CommandSpec;
  logDir: string;
  runId: string | undefined;
  heartbeatIntervalMs: number;
  killGraceMs: number;
  quiet: boolean;
  notify: boolean;
  configPath: string | undefined;
  /** Extra starts after a failure of the command on its own (0: none). */
  retries: number;
  /** The first wait before a retry; doubled after each quick failure. */
  retryDelayMs: number;
  /** `--stall-after` in seconds for the heartbeat; null: the monitor's config decides. */
  stallAfterS: number | null;
  /** How often the control file is looked at. */
  controlIntervalMs: number;
}

const SEE_HELP = '(see train-wrapper --help)';

/** Fills in defaults from flags, `HPC_RUN_*` variables and the config's `train:` section, and rejects bad input. */
export function normalizeWrapperOptions(raw: RawWrapperArgs, env: NodeJS.ProcessEnv, train: TrainDefaults = {}): WrapperOptions {
  const workDirText = pick(raw.workDir, env[WRAPPER_ENV.workDir], train.work_dir, '--work-dir');
  if (workDirText === undefined) {
    throw new UsageError(`--work-dir is required: the directory the command runs in ${SEE_HELP}`);
  }
  const workDir = checkWorkDir(resolve(workDirText));
  const logDirText = pick(raw.logDir, env[WRAPPER_ENV.logDir], train.log_dir, '--log-dir') ?? WRAPPER_DEFAULTS.logDir;
  return {
    workDir,
    command: pickCommand(raw, env, train),
    logDir: isAbsolute(logDirText) ? logDirText : resolve(workDir, logDirText),
    runId: pick(raw.runId, env[WRAPPER_ENV.runId], undefined, '--run-id'),
    heartbeatIntervalMs: durationMs(raw.heartbeatInterval, env, 'heartbeatInterval', '--heartbeat-interval', WRAPPER_DEFAULTS.heartbeatIntervalS, false),
    killGraceMs: durationMs(raw.killGrace, env, 'killGrace', '--kill-grace', WRAPPER_DEFAULTS.killGraceS, true),
    quiet: raw.quiet ?? parseFlagVariable(env, 'quiet') ?? WRAPPER_DEFAULTS.quiet,
    notify: raw.notify ?? parseFlagVariable(env, 'notify') ?? WRAPPER_DEFAULTS.notify,
    configPath: raw.config,
    ...normalizeOperationOptions(raw, env),
  };
}

// First of flag, variable, config value that is set; an empty flag value is an error, not "unset".
function pick(flag: string | undefined, variable: string | undefined, config: string | undefined, name: string): string | undefined {
  if (flag !== undefined) {
    if (flag.trim() === '') throw new UsageError(`${name} needs a value ${SEE_HELP}`);
    return flag;
  }
  if (variable !== undefined && variable !== '') return variable;
  return config === undefined || config === '' ? undefined : config;
}

// `-- cmd args` (no shell) or `--command TEXT` (through /bin/sh -c), never both.
function pickCommand(raw: RawWrapperArgs, env: NodeJS.ProcessEnv, train: TrainDefaults): CommandSpec {
  const argv = raw.argv ?? [];
  if (raw.command !== undefined && argv.length > 0) {
    throw new UsageError(`give the command either with --command or after --, not both ${SEE_HELP}`);
  }
  if (argv.length > 0) {
    if (argv[0] === '') throw new UsageError(`the command after -- is empty ${SEE_HELP}`);
    return { shell: false, file: argv[0], args: argv.slice(1), text: argv.map(quoteForShell).join(' ') };
  }
  const text = pick(raw.command, env[WRAPPER_ENV.command], train.command, '--command');
  if (text === undefined) {
    throw new UsageError(`no command to run: give --command "python train.py" or put it after -- ${SEE_HELP}`);
  }
  return { shell: true, text };
}

// Seconds (or with s/m/h) from the flag, else the variable, else the default, as milliseconds.
function durationMs(
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
  key: 'heartbeatInterval' | 'killGrace',
  name: string,
  fallbackS: number,
  allowZero: boolean,
): number {
  const variable = env[WRAPPER_ENV[key]];
  if (flag !== undefined) return Math.round(parseDuration(flag, name, { allowZero }) * 1000);
  if (variable !== undefined && variable !== '') return Math.round(parseDuration(variable, WRAPPER_ENV[key], { allowZero }) * 1000);
  return fallbackS * 1000;
}

// `1/true/yes/on` or `0/false/no/off`; anything else names the variable.
function parseFlagVariable(env: NodeJS.ProcessEnv, key: 'quiet' | 'notify'): boolean | undefined {
  const value = env[WRAPPER_ENV[key]];
  if (value === undefined || value === '') return undefined;
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw new UsageError(`${WRAPPER_ENV[key]} must be 1 or 0 (true/false), got '${value}'`);
}

// The work dir must exist, be a directory and be writable (the marker goes there).
function checkWorkDir(dir: string): string {
  try {
    if (!statSync(dir).isDirectory()) throw new UsageError(`--work-dir ${dir} is not a directory`);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = errnoCode(error);
    throw new UsageError(`--work-dir ${dir} ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`}`);
  }
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch {
    throw new UsageError(`--work-dir ${dir} is not writable by this user`);
  }
  return dir;
}

// Quotes one argument so the shown command line can be pasted into a shell.
function quoteForShell(arg: string): string {
  return /^[A-Za-z0-9_\-+=.,/:@%]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

// ---- Run operations: --retries, --retry-delay, --stall-after, --control-interval -------------------------------

/** The options of retries, the stall hint and the control file, from flags or their HPC_RUN_* variables. */
function normalizeOperationOptions(raw: RawWrapperArgs, env: NodeJS.ProcessEnv) {
  const flagOrVariable = (flag: string | undefined, key: keyof typeof WRAPPER_ENV, name: string): [string, string] | undefined => {
    if (flag !== undefined) return [flag, name];
    const variable = env[WRAPPER_ENV[key]];
    return variable !== undefined && variable !== '' ? [variable, WRAPPER_ENV[key]] : undefined;
  };
  const retries = flagOrVariable(raw.retries, 'retries', '--retries');
  if (retries && !/^\d{1,3}$/.test(retries[0].trim())) {
    throw new UsageError(`${retries[1]} must be a whole number of retries from 0 to 999, got '${retries[0]}' ${SEE_HELP}`);
  }
  const seconds = (found: [string, string] | undefined, fallback: number | null, allowZero: boolean): number | null =>
    found ? parseDuration(found[0], found[1], { allowZero }) : fallback;
  const stallAfterS = seconds(flagOrVariable(raw.stallAfter, 'stallAfter', '--stall-after'), null, false);
  return {
    retries: retries ? Number(retries[0].trim()) : WRAPPER_DEFAULTS.retries,
    retryDelayMs: Math.round(seconds(flagOrVariable(raw.retryDelay, 'retryDelay', '--retry-delay'), WRAPPER_DEFAULTS.retryDelayS, true)! * 1000),
    stallAfterS,
    controlIntervalMs: Math.round(seconds(flagOrVariable(raw.controlInterval, 'controlInterval', '--control-interval'), WRAPPER_DEFAULTS.controlIntervalS, false)! * 1000),
  };
}
