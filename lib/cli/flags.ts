import type { Logger } from '../common/logger.js';
import type { FlagValues } from './flag-values.js';

/** How a flag's value is read: text, on/off, a whole number, or a duration (seconds, or a number with s, m or h). */
export type FlagType = 'string' | 'boolean' | 'integer' | 'duration';

/** One flag of a program: everything the parsers, the help, the docs and the value checks need. */
export interface FlagSpec {
  type: FlagType;
  /** The value's placeholder in the help and docs (`FILE`); default: the name's last word in capitals. */
  valueName?: string;
  /** One-letter alias (`-h`). */
  alias?: string;
  /** Repeatable: every occurrence is kept, in order. */
  multiple?: boolean;
  /** The environment variable standing in for the flag (a flag on the command line beats it). */
  env?: string;
  /** The variable holds a list split on this separator (`HPC_RUN_WORK_DIR=a:b`). */
  envSeparator?: string;
  /** The variable set to 1 means `--no-<flag>` (`HPC_RUN_NO_POLL=1`). */
  envNegates?: boolean;
  /** The variable is read by another part (the config search), which names it in its own messages. */
  envReadElsewhere?: boolean;
  /** The config key that comes after the variable and before the default. */
  configKey?: string;
  /** The built-in default, the one place it is written. */
  default?: string | number | boolean;
  /** Where the value comes from when nothing is given and there is no single default (`the spool`). */
  defaultText?: string;
  /** A duration of 0 is allowed. */
  allowZero?: boolean;
  /** A duration may also be given in days (`7d`). */
  days?: boolean;
  /** The range of an integer. */
  min?: number;
  max?: number;
  /** What it does, one sentence. */
  help: string;
  /** A realistic use, shown as `e.g. …` in the help. */
  example?: string;
  /** Monitor: the commands that take it (`''` is the main command); absent means every command. */
  commands?: readonly string[];
  /** Help and version are answered before anything is checked. */
  builtin?: 'help' | 'version';
}

/** What a command's runner gets: the checked command line and the process's surroundings. */
export interface Invocation {
  values: FlagValues;
  /** The command's positional arguments, in order. */
  positionals: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  logger: Logger;
}

/** A subcommand (`train-monitor doctor`); `''` is the main command. */
export interface CommandSpec {
  summary: string;
  /** Positional arguments after the command name, e.g. `['run']` for `stop RUN`; a trailing `?` makes one optional (`run?`). */
  positionals?: readonly string[];
  /** Runs the command (importing its code only then) and returns the exit status. */
  run?: (invocation: Invocation) => Promise<number>;
}

/** A program's whole command line: the single source the parsers, help, docs and checks are made from. */
export interface ProgramSpec {
  name: string;
  usage: string;
  flags: Readonly<Record<string, FlagSpec>>;
  commands: Readonly<Record<string, CommandSpec>>;
  /** The program takes a command after `--` (the wrapper). */
  terminator?: boolean;
  examples: ReadonlyArray<readonly [string, string]>;
  /** Variables with no flag, shown in the help's and docs' environment list. */
  environment: ReadonlyArray<readonly [string, string]>;
  epilog: string;
}

/** The flags one command of a program takes, in table order. */
export function flagsOf(program: ProgramSpec, command: string): Array<[string, FlagSpec]> {
  return Object.entries(program.flags).filter(([, spec]) => spec.commands === undefined || spec.commands.includes(command));
}

/** The default as the help and the docs show it: `30`, `monitor.interval in the config, else 60`, `the spool`. */
export function describeDefault(spec: FlagSpec): string | undefined {
  const builtIn = spec.defaultText ?? showDefault(spec);
  if (spec.configKey) return builtIn === undefined ? `${spec.configKey} in the config` : `${spec.configKey} in the config, else ${builtIn}`;
  return builtIn;
}

// `on` for a switch on by default, `10m` for 600 s, the text itself otherwise.
function showDefault(spec: FlagSpec): string | undefined {
  const value = spec.default;
  if (value === undefined || value === false) return undefined;
  if (value === true) return 'on';
  if (spec.type !== 'duration' || typeof value !== 'number') return String(value);
  if (value >= 3600 && value % 3600 === 0) return `${value / 3600}h`;
  if (value >= 60 && value % 60 === 0) return `${value / 60}m`;
  return `${value}s`;
}

/** The variable as the help and the docs show it: `HPC_RUN_QUIET=1`, `HPC_RUN_NO_POLL=1 (--no-poll)`. */
export function describeEnv(spec: FlagSpec, name: string): string | undefined {
  if (!spec.env) return undefined;
  if (spec.envNegates) return `${spec.env}=1 means --no-${name}`;
  if (spec.type === 'boolean') return `${spec.env}=1`;
  if (spec.envSeparator) return `${spec.env} (list, ${spec.envSeparator}-separated)`;
  return spec.env;
}

/** The help line of a flag: what it does, an example, its variable; yargs adds the type and default. */
export function describeFlag(spec: FlagSpec, name: string): string {
  const parts = [spec.help];
  if (spec.example) parts.push(`e.g. ${spec.example}`);
  const env = describeEnv(spec, name);
  if (env) parts.push(`[${env}]`);
  return parts.join('  ');
}

/** The command names of a program other than the main one. */
export function subcommandsOf(program: ProgramSpec): string[] {
  return Object.keys(program.commands).filter((name) => name !== '');
}

/** How many positionals a command takes: the required ones (no `?`) up to all of them. */
export function positionalRange(command: CommandSpec | undefined): { min: number; max: number } {
  const names = command?.positionals ?? [];
  return { min: names.filter((n) => !n.endsWith('?')).length, max: names.length };
}

/** A positional's name for help and docs: `RUN`, or `[RUN]` when optional. */
export function positionalWord(name: string, style: 'upper' | 'angle'): string {
  const bare = name.replace(/\?$/, '');
  const word = style === 'upper' ? bare.toUpperCase() : `<${bare}>`;
  return name.endsWith('?') ? (style === 'upper' ? `[${word}]` : `[${bare}]`) : word;
}
