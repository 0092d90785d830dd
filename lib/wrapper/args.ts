import { parseCommandLine } from '../cli/command-line.js';
import { FlagValues } from '../cli/flag-values.js';
import { WRAPPER_PROGRAM } from '../cli/wrapper-flags.js';

/** What the command line asks for: help text, the version, or a run with its values (flags, then variables). */
export type ParsedWrapperArgs = { kind: 'help'; text: string } | { kind: 'version' } | { kind: 'run'; values: FlagValues };

/** Parses the wrapper's command line from its flag table; a mistake is one FlagError line pointing at --help. */
export async function parseWrapperArgs(argv: string[], env: NodeJS.ProcessEnv): Promise<ParsedWrapperArgs> {
  const parsed = await parseCommandLine(WRAPPER_PROGRAM, argv);
  if (parsed.kind !== 'run') return parsed;
  return { kind: 'run', values: new FlagValues(WRAPPER_PROGRAM, parsed.line, env) };
}
