import { accessSync, constants, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { errnoCode, FlagError, type ValueSource } from '../common/errors.js';
import { fromConfig, type FlagValues, type Sourced } from '../cli/flag-values.js';
import { WRAPPER_FLAGS } from '../cli/wrapper-flags.js';
import type { TrainDefaults } from '../config/types.js';

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

/**
 * Fills in each value from its flag, then its `HPC_RUN_*` variable, then the config's `train:` section, then the
 * flag table's default, and rejects bad input naming whichever of those gave it.
 */
export function normalizeWrapperOptions(values: FlagValues, train: TrainDefaults = {}): WrapperOptions {
  const workDirText = values.text('work-dir') ?? configText(train.work_dir, WRAPPER_FLAGS['work-dir'].configKey);
  if (workDirText === undefined) {
    throw new FlagError('E_FLAG_MISSING', `--work-dir is required: the directory the command runs in ${SEE_HELP}`);
  }
  const workDir = checkWorkDir(resolve(workDirText.value), workDirText.source);
  const logDir = values.text('log-dir') ?? configText(train.log_dir, WRAPPER_FLAGS['log-dir'].configKey);
  const logDirText = logDir?.value ?? WRAPPER_FLAGS['log-dir'].default;
  return {
    workDir,
    command: pickCommand(values, train),
    logDir: isAbsolute(logDirText) ? logDirText : resolve(workDir, logDirText),
    runId: values.text('run-id')?.value,
    heartbeatIntervalMs: Math.round(1000 * (values.duration('heartbeat-interval')?.value ?? WRAPPER_FLAGS['heartbeat-interval'].default)),
    killGraceMs: Math.round(1000 * (values.duration('kill-grace')?.value ?? WRAPPER_FLAGS['kill-grace'].default)),
    quiet: values.bool('quiet').value,
    notify: values.bool('notify').value,
    configPath: values.text('config')?.value,
    ...normalizeOperationOptions(values),
  };
}

// A config value that is set; an empty one counts as unset.
function configText(value: string | undefined, key: string): Sourced<string> | undefined {
  return value === undefined || value === '' ? undefined : fromConfig(value, key);
}

// `-- cmd args` (no shell) or `--command TEXT` (through /bin/sh -c), never both.
function pickCommand(values: FlagValues, train: TrainDefaults): CommandSpec {
  const argv = values.line.rest;
  if (values.given('command') && argv.length > 0) {
    throw new FlagError('E_FLAG_CONFLICT', `give the command either with --command or after --, not both ${SEE_HELP}`);
  }
  if (argv.length > 0) {
    if (argv[0] === '') throw new FlagError('E_FLAG_VALUE', `the command after -- is empty ${SEE_HELP}`);
    return { shell: false, file: argv[0], args: argv.slice(1), text: argv.map(quoteForShell).join(' ') };
  }
  const text = values.text('command') ?? configText(train.command, WRAPPER_FLAGS.command.configKey);
  if (text === undefined) {
    throw new FlagError('E_FLAG_MISSING', `no command to run: give --command "python train.py" or put it after -- ${SEE_HELP}`);
  }
  return { shell: true, text: text.value };
}

// The work dir must exist, be a directory and be writable (the marker goes there); errors name where it came from.
function checkWorkDir(dir: string, source: ValueSource): string {
  const bad = (what: string) => new FlagError('E_FLAG_VALUE', `${source.name} ${dir} ${what}`, { source });
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (error) {
    const code = errnoCode(error);
    throw bad(code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`);
  }
  if (!isDir) throw bad('is not a directory');
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch {
    throw bad('is not writable by this user');
  }
  return dir;
}

// Quotes one argument so the shown command line can be pasted into a shell.
function quoteForShell(arg: string): string {
  return /^[A-Za-z0-9_\-+=.,/:@%]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

// ---- Run operations: --retries, --retry-delay, --stall-after, --control-interval -------------------------------

/** The options of retries, the stall hint and the control file, from the flag table (flag, then variable). */
function normalizeOperationOptions(values: FlagValues) {
  return {
    retries: values.integer('retries'),
    retryDelayMs: Math.round(1000 * (values.duration('retry-delay')?.value ?? WRAPPER_FLAGS['retry-delay'].default)),
    stallAfterS: values.duration('stall-after')?.value ?? null,
    controlIntervalMs: Math.round(1000 * (values.duration('control-interval')?.value ?? WRAPPER_FLAGS['control-interval'].default)),
  };
}
