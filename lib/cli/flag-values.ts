import { parseDuration } from '../common/duration.js';
import { FlagError, HpcRunError, InternalError, type ValueSource } from '../common/errors.js';
import type { CommandLine } from './fast-parse.js';
import type { FlagSpec, ProgramSpec } from './flags.js';

/** A value with where it came from, so that a bad one is blamed on the flag, variable or config key that gave it. */
export interface Sourced<T> {
  value: T;
  source: ValueSource;
}

/**
 * A command line's values with their variables applied (a flag beats its variable); each reader checks the value
 * and names its source in the error. Config keys and defaults come after, in the program's own normaliser.
 */
export class FlagValues {
  constructor(
    readonly program: ProgramSpec,
    readonly line: CommandLine,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  get command(): string {
    return this.line.command;
  }

  /** True when the flag itself is on the command line (not its variable). */
  given(name: string): boolean {
    return this.line.values[name] !== undefined;
  }

  /** Text from the flag (empty is an error) or its variable (empty means unset). */
  text(name: string): Sourced<string> | undefined {
    const spec = this.spec(name);
    const flag = this.line.values[name];
    if (typeof flag === 'string') {
      if (flag.trim() === '') {
        throw new FlagError('E_FLAG_VALUE', `--${name} needs a value (see ${this.program.name} --help)`, { source: flagSource(name) });
      }
      return { value: flag, source: flagSource(name) };
    }
    const variable = this.variable(spec);
    return variable === undefined ? undefined : { value: variable, source: envSource(spec) };
  }

  /** Every value of a repeatable flag, else its variable split on the separator. */
  list(name: string): Sourced<string[]> | undefined {
    const spec = this.spec(name);
    const flag = this.line.values[name];
    if (Array.isArray(flag)) {
      if (flag.some((v) => v.trim() === '')) throw new FlagError('E_FLAG_VALUE', `--${name} needs a value`, { source: flagSource(name) });
      return { value: flag, source: flagSource(name) };
    }
    const variable = this.variable(spec);
    if (variable === undefined) return undefined;
    return { value: variable.split(spec.envSeparator ?? '\n').filter((v) => v.trim() !== ''), source: envSource(spec) };
  }

  /** On/off from the flag, else its variable (1/true/yes/on or 0/false/no/off), else the table's default. */
  bool(name: string): Sourced<boolean> | { value: boolean; source: null } {
    const spec = this.spec(name);
    const flag = this.line.values[name];
    if (typeof flag === 'boolean') return { value: flag, source: flagSource(name) };
    const variable = this.variable(spec);
    if (variable !== undefined) {
      const on = parseSwitch(variable, envSource(spec));
      return { value: spec.envNegates ? !on : on, source: envSource(spec) };
    }
    return { value: spec.default === true, source: null };
  }

  /** Seconds from the flag or its variable; a bad value names whichever gave it. */
  duration(name: string): Sourced<number> | undefined {
    const spec = this.spec(name);
    const text = this.text(name);
    return text === undefined ? undefined : { value: checkDuration(text, spec.allowZero, spec.days), source: text.source };
  }

  /** A whole number from the flag or its variable, within the table's range, else the table's default. */
  integer(name: string): number {
    const spec = this.spec(name);
    const value = this.optionalInteger(name);
    if (value !== null) return value;
    if (typeof spec.default !== 'number') {
      throw new InternalError('E_FLAG_TABLE', `${this.program.name}: flag '${name}' has no default in the table`);
    }
    return spec.default;
  }

  /** A whole number from the flag or its variable, within the table's range, or null when neither gave one. */
  optionalInteger(name: string): number | null {
    const spec = this.spec(name);
    const text = this.text(name);
    if (text === undefined) return null;
    const value = /^\s*\d+\s*$/.test(text.value) ? Number(text.value) : Number.NaN;
    const min = spec.min ?? 0;
    const max = spec.max ?? Number.MAX_SAFE_INTEGER;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      const range = spec.max === undefined ? `at least ${min}` : `from ${min} to ${max}`;
      const message = `${text.source.name} must be a whole number ${range}, got '${text.value}'`;
      throw new FlagError('E_FLAG_VALUE', message, { source: text.source });
    }
    return value;
  }

  /** The table's default of a flag. */
  defaultOf(name: string): FlagSpec['default'] {
    return this.spec(name).default;
  }

  private spec(name: string): FlagSpec {
    const spec = this.program.flags[name];
    if (!spec) throw new InternalError('E_FLAG_TABLE', `${this.program.name}: no flag '${name}' in the table`);
    return spec;
  }

  private variable(spec: FlagSpec): string | undefined {
    if (!spec.env || spec.envReadElsewhere) return undefined;
    const value = this.env[spec.env];
    return value === undefined || value.trim() === '' ? undefined : value;
  }
}

/** Seconds from a sourced duration text (`90`, `10m`); a bad one is blamed on its source. */
export function checkDuration(text: Sourced<unknown>, allowZero = false, days = false): number {
  try {
    return parseDuration(text.value, text.source.name, { allowZero, days });
  } catch (error) {
    if (!(error instanceof HpcRunError)) throw error;
    throw new FlagError('E_FLAG_VALUE', error.message, { source: text.source, cause: error });
  }
}

/** A config value as a sourced value: `train.work_dir`, with the file it came from when known. */
export function fromConfig<T>(value: T, key: string): Sourced<T> {
  return { value, source: { kind: 'config', name: key } };
}

function parseSwitch(value: string, source: ValueSource): boolean {
  if (/^(1|true|yes|on)$/i.test(value.trim())) return true;
  if (/^(0|false|no|off)$/i.test(value.trim())) return false;
  throw new FlagError('E_FLAG_VALUE', `${source.name} must be 1 or 0 (true/false), got '${value}'`, { source });
}

const flagSource = (name: string): ValueSource => ({ kind: 'flag', name: `--${name}` });
const envSource = (spec: FlagSpec): ValueSource => ({ kind: 'env', name: spec.env ?? '' });
