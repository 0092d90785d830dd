import { parseArgs } from 'node:util';
import { flagsOf, positionalRange, type ProgramSpec } from './flags.js';

/** A command line as given: the command, the flags set on it, its positionals and what follows `--`. */
export interface CommandLine {
  command: string;
  /** Only flags given on the command line: text, on/off, or every occurrence of a repeatable flag. */
  values: Record<string, string | boolean | string[]>;
  positionals: string[];
  /** The words after `--` (the wrapper's command). */
  rest: string[];
}

/**
 * The common command lines parsed by node's own parser from the flag table, so that a job's start or a cron pass
 * does not pay for loading yargs. Returns null for anything else, help and every mistake included: yargs,
 * built from the same table, gives the help and words the errors. `'version'` for `--version`.
 */
export function parseFast(program: ProgramSpec, argv: string[]): CommandLine | 'version' | null {
  const first = argv[0];
  const command = first !== undefined && first !== '' && Object.hasOwn(program.commands, first) ? first : '';
  const args = command === '' ? argv : argv.slice(1);
  const flags = flagsOf(program, command);
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {};
  for (const [name, spec] of flags) {
    options[name] = { type: spec.type === 'boolean' ? 'boolean' : 'string' };
    if (spec.multiple) options[name].multiple = true;
    if (spec.alias) options[name].short = spec.alias;
  }
  let parsed;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: true, allowNegative: true, tokens: true });
  } catch {
    return null;
  }
  const { values, tokens } = parsed;
  const end = tokens.findIndex((t) => t.kind === 'option-terminator');
  const before = end === -1 ? tokens : tokens.slice(0, end);
  const positionals = before.flatMap((t) => (t.kind === 'positional' ? [t.value] : []));
  const rest = end === -1 ? [] : tokens.slice(end + 1).flatMap((t) => (t.kind === 'positional' ? [t.value] : []));
  const range = positionalRange(program.commands[command]);
  if (positionals.length < range.min || positionals.length > range.max) return null;
  if (rest.length > 0 && !program.terminator) return null;
  // A flag given twice, or a value that looks like a flag (`--work-dir --quiet`), is for yargs to judge.
  const seen = new Set<string>();
  for (const t of before) {
    if (t.kind !== 'option') continue;
    if (seen.has(t.name) && !program.flags[t.name]?.multiple) return null;
    seen.add(t.name);
  }
  for (const v of Object.values(values).flat()) if (typeof v === 'string' && v.startsWith('-')) return null;
  for (const [name, spec] of flags) {
    if (values[name] === undefined) continue;
    if (spec.builtin === 'help') return null;
    if (spec.builtin === 'version') return 'version';
  }
  return { command, values: { ...values } as CommandLine['values'], positionals, rest };
}
