import { FlagError, UsageError } from '../common/errors.js';
import type { CommandLine } from './fast-parse.js';
import { describeDefault, describeFlag, flagsOf, positionalRange, subcommandsOf, type ProgramSpec } from './flags.js';

/** What a command line asks for: the help text, the version, or a run. */
export type ParsedLine = { kind: 'help'; text: string } | { kind: 'version' } | { kind: 'run'; line: CommandLine };

// The yargs parser of a program, made from its flag table; loaded only for help and mistakes.
async function buildParser(program: ProgramSpec, argv: string[]) {
  const { default: yargs } = await import('yargs');
  const parser = yargs(argv)
    .scriptName(program.name)
    .usage(program.usage)
    .help(false)
    .version(false)
    .strict()
    .fail(false)
    .exitProcess(false)
    .wrap(null)
    .parserConfiguration({ 'populate--': true, 'parse-numbers': false, 'parse-positional-numbers': false });
  const subcommands = subcommandsOf(program);
  if (subcommands.length > 0) {
    parser.command('$0', program.commands['']?.summary ?? '');
    for (const name of subcommands) {
      // Every positional optional for yargs: the range check below words a missing one itself.
      const words = [name, ...(program.commands[name].positionals ?? []).map((p) => `[${p.replace(/\?$/, '')}]`)];
      parser.command(words.join(' '), program.commands[name].summary);
    }
  }
  for (const [name, spec] of Object.entries(program.flags)) {
    const only = spec.commands && subcommands.length > 0 ? `  (${spec.commands.map((c) => c || 'main command').join(', ')})` : '';
    parser.option(name, {
      type: spec.type === 'boolean' ? 'boolean' : 'string',
      alias: spec.alias,
      array: spec.multiple,
      requiresArg: spec.type !== 'boolean',
      describe: describeFlag(spec, name) + only,
      defaultDescription: describeDefault(spec),
    });
  }
  if (program.examples.length > 0) parser.example(program.examples.map(([cmd, what]) => [cmd, what]));
  const environment = program.environment.map(([name, what]) => `  ${name}  ${what}`);
  return parser.epilog([program.epilog, ...(environment.length > 0 ? ['', 'Environment (no flag):', ...environment] : [])].join('\n'));
}

/** The help of a program, as `--help` prints it. */
export async function renderHelp(program: ProgramSpec): Promise<string> {
  return (await buildParser(program, [])).getHelp();
}

/** Parses a command line the fast path declined; every mistake becomes one FlagError naming it. */
export async function parseWithYargs(program: ProgramSpec, argv: string[]): Promise<ParsedLine> {
  let parsed: Record<string, unknown> & { _: Array<string | number> };
  try {
    parsed = (await (await buildParser(program, argv)).parseAsync()) as typeof parsed;
  } catch (error) {
    throw describeParseError(program, error, argv);
  }
  if (parsed.help) return { kind: 'help', text: await renderHelp(program) };
  if (parsed.version) return { kind: 'version' };
  const words = parsed._.map(String);
  const command = subcommandsOf(program).length > 0 && words.length > 0 && Object.hasOwn(program.commands, words[0]) ? words[0] : '';
  const positionals = command === '' ? words : words.slice(1);
  const range = positionalRange(program.commands[command]);
  if (positionals.length > range.max) throw stray(program, positionals[range.max], command === '' && range.max === 0);
  if (positionals.length < range.min) {
    const missing = (program.commands[command].positionals ?? [])[positionals.length].toUpperCase();
    throw new FlagError('E_FLAG_MISSING', `${program.name} ${command} needs ${missing} ${seeHelp(program)}`);
  }
  const rest = Array.isArray(parsed['--']) ? (parsed['--'] as unknown[]).map(String) : [];
  if (rest.length > 0 && !program.terminator) throw stray(program, rest[0], false);
  const takes = new Set(flagsOf(program, command).map(([name]) => name));
  const values: CommandLine['values'] = {};
  for (const [name, spec] of Object.entries(program.flags)) {
    const value = parsed[name];
    if (value === undefined) continue;
    if (!takes.has(name)) {
      const line = [program.name, command].filter(Boolean).join(' ');
      throw new FlagError('E_FLAG_UNKNOWN', `--${name} does not apply to '${line}' ${seeHelp(program)}`);
    }
    // Given twice: a repeatable flag keeps all, any other the last (a later flag overrides an earlier one).
    const list = Array.isArray(value) ? value : [value];
    values[name] = spec.multiple ? list.map(String) : spec.type === 'boolean' ? Boolean(list.at(-1)) : String(list.at(-1));
  }
  return { kind: 'run', line: { command, values, positionals, rest } };
}

const seeHelp = (program: ProgramSpec) => `(see ${program.name} --help)`;

// A word that is neither a flag nor expected: an unknown command, or a program-specific hint (the wrapper's `--`).
function stray(program: ProgramSpec, word: string, maybeCommand: boolean): FlagError {
  const commands = subcommandsOf(program);
  if (maybeCommand && commands.length > 0) {
    const hint = `the commands are: ${commands.join(', ')}`;
    return new FlagError('E_COMMAND_UNKNOWN', `unknown command '${word}' ${seeHelp(program)}`, { hint });
  }
  const why = program.terminator ? `give the command with --command "…" or after --` : `${program.name} takes no such argument`;
  return new FlagError('E_ARG_UNEXPECTED', `unexpected argument '${word}': ${why} ${seeHelp(program)}`);
}

// Turns yargs' messages into one line naming the flag or word, with a suggestion for a near miss.
function describeParseError(program: ProgramSpec, error: unknown, argv: string[]): Error {
  const message = error instanceof Error ? error.message : String(error);
  const beforeDashes = argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv;
  const unknown = /^Unknown arguments?: (.+)$/.exec(message);
  if (unknown) {
    const name = unknown[1].split(', ')[0];
    const asFlag = beforeDashes.find((a) => a.startsWith('-') && a.replace(/^-+/, '').split('=')[0] === name);
    if (asFlag === undefined && beforeDashes.includes(name)) {
      return stray(program, name, beforeDashes.find((a) => !a.startsWith('-')) === name);
    }
    const shown = (asFlag ?? (name.length === 1 ? `-${name}` : `--${name}`)).split('=')[0];
    const near = nearestFlag(program, name);
    return new FlagError('E_FLAG_UNKNOWN', `unknown flag ${shown}${near ? `: did you mean --${near}?` : ''} ${seeHelp(program)}`);
  }
  const missing = /^Not enough arguments following: (.+)$/.exec(message);
  if (missing) {
    const name = missing[1];
    return new FlagError('E_FLAG_VALUE', `--${name} needs a value ${seeHelp(program)}`, { source: { kind: 'flag', name: `--${name}` } });
  }
  return new UsageError(`${message.charAt(0).toLowerCase()}${message.slice(1)} ${seeHelp(program)}`);
}

// The table flag within two edits of a mistyped name, if any.
function nearestFlag(program: ProgramSpec, name: string): string | undefined {
  let best: { name: string; d: number } | undefined;
  for (const candidate of Object.keys(program.flags)) {
    const d = editDistance(name, candidate);
    if (d <= 2 && d < name.length && (!best || d < best.d)) best = { name: candidate, d };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}
