import { InternalError } from '../common/errors.js';
import { describeDefault, positionalWord, subcommandsOf, type FlagSpec, type ProgramSpec } from './flags.js';

/** The markers around a generated block of docs/cli.md: `<!-- BEGIN train-wrapper flags -->` … `<!-- END … -->`. */
export const blockMarkers = (program: ProgramSpec) => ({
  begin: `<!-- BEGIN ${program.name} flags (made by npm run docs:cli from lib/cli; do not edit by hand) -->`,
  end: `<!-- END ${program.name} flags -->`,
});

const cell = (text: string) => text.replace(/\|/g, '\\|');
const code = (text: string) => `\`${text}\``;

// `--work-dir DIR`, `--poll, --no-poll`, `-h, --help`.
function flagCell(name: string, spec: FlagSpec): string {
  const named = spec.valueName ?? (name.split('-').at(-1) ?? name).toUpperCase();
  const placeholder = spec.type === 'duration' ? 'DURATION' : spec.type === 'integer' ? 'N' : named;
  const value = spec.type === 'boolean' ? '' : ` ${placeholder}`;
  const negated = spec.type === 'boolean' && spec.default === true ? `--no-${name}` : '';
  const names = [spec.alias ? `-${spec.alias}` : '', `--${name}${value}`, negated];
  return names.filter(Boolean).map(code).join(', ');
}

// `HPC_RUN_QUIET=1`, `HPC_RUN_NO_POLL=1` (= `--no-poll`), `HPC_RUN_WORK_DIR` (a `:`-separated list).
function envCell(name: string, spec: FlagSpec): string {
  if (!spec.env) return '';
  if (spec.envNegates) return `${code(`${spec.env}=1`)} (= ${code(`--no-${name}`)})`;
  if (spec.type === 'boolean') return code(`${spec.env}=1`);
  if (spec.envSeparator) return `${code(spec.env)} (a ${code(spec.envSeparator)}-separated list)`;
  return code(spec.env);
}

function defaultCell(spec: FlagSpec): string {
  if (spec.builtin) return '';
  if (spec.type === 'boolean' && spec.default !== undefined && spec.defaultText === undefined) return spec.default ? 'on' : 'off';
  const text = describeDefault(spec);
  if (text === undefined) return '';
  return spec.configKey ? text.replace(spec.configKey, code(spec.configKey)) : text;
}

/** The markdown table of a program's flags: flag, variable, default, meaning (and the commands, for the monitor). */
export function renderFlagTable(program: ProgramSpec): string {
  const withCommands = subcommandsOf(program).length > 0;
  const head = ['flag', 'variable', 'default', ...(withCommands ? ['commands'] : []), 'meaning'];
  const rows = Object.entries(program.flags).map(([name, spec]) => {
    const commands = spec.commands ? spec.commands.map((c) => (c === '' ? 'main' : c)).join(', ') : 'all';
    const meaning = spec.help + (spec.example && !spec.builtin ? ` e.g. ${code(spec.example)}` : '');
    return [flagCell(name, spec), envCell(name, spec), defaultCell(spec), ...(withCommands ? [commands] : []), meaning];
  });
  const lines = [head, head.map(() => '---'), ...rows].map((row) => `| ${row.map(cell).join(' | ')} |`);
  return lines.join('\n');
}

/** The generated block of one program, markers included. */
export function renderBlock(program: ProgramSpec): string {
  const { begin, end } = blockMarkers(program);
  const environment = program.environment.map(([name, what]) => `- ${code(name)}: ${what}`);
  const subcommands = subcommandsOf(program).map((name) => {
    const words = [program.name, name, ...(program.commands[name].positionals ?? []).map((p) => positionalWord(p, 'upper'))];
    return `- ${code(words.join(' '))}: ${program.commands[name].summary}`;
  });
  const parts = [begin];
  if (subcommands.length > 0) parts.push('', `Commands (\`main\` is \`${program.name}\` with no command):`, '', ...subcommands);
  parts.push('', renderFlagTable(program));
  if (environment.length > 0) parts.push('', 'Variables with no flag:', '', ...environment);
  parts.push('', end);
  return parts.join('\n');
}

/** Replaces each program's generated block in the docs text; throws when a block's markers are missing. */
export function updateDocs(text: string, programs: ProgramSpec[]): string {
  let out = text;
  for (const program of programs) {
    const { begin, end } = blockMarkers(program);
    const from = out.indexOf(begin);
    const to = out.indexOf(end);
    if (from === -1 || to < from) {
      throw new InternalError('E_DOCS_MARKERS', `docs: the markers of ${program.name}'s flag table are missing`);
    }
    out = out.slice(0, from) + renderBlock(program) + out.slice(to + end.length);
  }
  return out;
}
