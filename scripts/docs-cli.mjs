// Rewrites the generated flag tables of docs/cli.md from the flag tables in lib/cli (run `npm run docs:cli`).
import { readFileSync, writeFileSync } from 'node:fs';
import { updateDocs } from '../lib/cli/flag-docs.ts';
import { MONITOR_PROGRAM } from '../lib/cli/monitor-flags.ts';
import { WRAPPER_PROGRAM } from '../lib/cli/wrapper-flags.ts';

const file = new URL('../docs/cli.md', import.meta.url);
const before = readFileSync(file, 'utf8');
const after = updateDocs(before, [WRAPPER_PROGRAM, MONITOR_PROGRAM]);
if (after !== before) writeFileSync(file, after);
process.stdout.write(after === before ? 'docs/cli.md is up to date\n' : 'docs/cli.md updated\n');
