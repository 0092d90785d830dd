import { parseFast } from './fast-parse.js';
import type { ProgramSpec } from './flags.js';
import type { ParsedLine } from './yargs-parse.js';

export type { ParsedLine } from './yargs-parse.js';

/** Parses a command line from the program's flag table: node's parser for the common lines, yargs (loaded then) for the rest. */
export async function parseCommandLine(program: ProgramSpec, argv: string[]): Promise<ParsedLine> {
  const fast = parseFast(program, argv);
  if (fast === 'version') return { kind: 'version' };
  if (fast !== null) return { kind: 'run', line: fast };
  const { parseWithYargs } = await import('./yargs-parse.js');
  return parseWithYargs(program, argv);
}
