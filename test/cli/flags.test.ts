import { describe, expect, test } from '@jest/globals';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseFast } from '../../lib/cli/fast-parse.js';
import { updateDocs } from '../../lib/cli/flag-docs.js';
import { describeDefault, flagsOf, type ProgramSpec } from '../../lib/cli/flags.js';
import { MONITOR_PROGRAM } from '../../lib/cli/monitor-flags.js';
import { WRAPPER_PROGRAM } from '../../lib/cli/wrapper-flags.js';
import { parseWithYargs } from '../../lib/cli/yargs-parse.js';
import { BIN, ROOT, isolatedEnv, makeTempDir, runBin } from '../helpers/run-bin.js';

const PROGRAMS: Array<[ProgramSpec, string]> = [
  [WRAPPER_PROGRAM, BIN.wrapper],
  [MONITOR_PROGRAM, BIN.monitor],
];

// `--name` of every option line of a yargs help (`  -h, --help  …`), and the one-letter aliases.
function helpFlags(help: string): { names: string[]; aliases: string[] } {
  const options = help.slice(help.indexOf('Options:'), help.indexOf('Examples:'));
  const lines = [...options.matchAll(/^\s+(?:-(\w), )?--([a-z][a-z-]*)\s/gm)];
  return { names: lines.map((m) => m[2]).sort(), aliases: lines.flatMap((m) => (m[1] ? [`${m[1]}=${m[2]}`] : [])).sort() };
}

describe('--help of the real binaries is made from the flag table', () => {
  test.each(PROGRAMS.map(([p, bin]) => [p.name, p, bin] as const))(
    '%s --help lists exactly the table flags, with defaults and variables', async (_name, program, bin) => {
    const tmp = makeTempDir();
    try {
      const result = await runBin(bin, ['--help'], { env: isolatedEnv(tmp.dir) });
      expect(result.code).toBe(0);
      const shown = helpFlags(result.stdout);
      expect(shown.names).toEqual(Object.keys(program.flags).sort());
      expect(shown.aliases).toEqual(Object.entries(program.flags).flatMap(([n, s]) => (s.alias ? [`${s.alias}=${n}`] : [])).sort());
      for (const [name, spec] of Object.entries(program.flags)) {
        const line = result.stdout.split('\n').find((l) => new RegExp(`^\\s+(-\\w, )?--${name}\\s`).test(l)) ?? '';
        const shownDefault = describeDefault(spec);
        if (shownDefault) expect(line).toContain(`[default: ${shownDefault}]`);
        if (spec.env) expect(line).toContain(spec.env);
        if (spec.example) expect(line).toContain(`e.g. ${spec.example}`);
      }
      for (const command of Object.keys(program.commands).filter(Boolean)) expect(result.stdout).toContain(`${program.name} ${command}`);
    } finally {
      tmp.cleanup();
    }
  });
});

describe('the fast parser and the yargs parser read a command line alike', () => {
  const cases: Array<[ProgramSpec, string[]]> = [
    [WRAPPER_PROGRAM, ['--work-dir', '/w', '--command', 'python train.py']],
    [WRAPPER_PROGRAM, ['--work-dir=/w', '--quiet', '--notify', '--kill-grace', '0', '--', 'python', 'train.py', '--lr', '3e-4']],
    [WRAPPER_PROGRAM, ['--run-id', 'a', '--log-dir', 'l', '--heartbeat-interval', '2m', '--config', 'c.yaml', '--', 'srun', '--', 'x']],
    [WRAPPER_PROGRAM, ['--no-quiet', '--work-dir', '/w', '--', 'true']],
    [MONITOR_PROGRAM, ['--once']],
    [MONITOR_PROGRAM, ['--work-dir', 'a', '--work-dir', 'b', '--interval', '5m', '--stale-after', '1h', '--dry-run', '--quiet']],
    [MONITOR_PROGRAM, ['--watch', '--no-poll', '--config', 'x.yaml']],
    [MONITOR_PROGRAM, ['test', '--channel', 'xxtui', '--quiet']],
    [MONITOR_PROGRAM, ['doctor', '--config', 'x.yaml']],
  ];
  test.each(cases.map(([p, argv]) => [p.name, argv.join(' '), p, argv] as const))('%s %s', async (_name, _line, program, argv) => {
    const fast = parseFast(program, argv);
    expect(fast).not.toBeNull();
    const slow = await parseWithYargs(program, argv);
    expect(slow).toEqual({ kind: 'run', line: fast });
  });

  test('help and every mistake are left to yargs; a repeated flag keeps the last value there', async () => {
    for (const argv of [
      ['--help'], ['-h'], ['--bogus'], ['frobnicate'], ['--interval'],
      ['--config', '--once'], ['doctor', '--once'], ['--once', '--once'], ['--', 'x'],
    ]) {
      expect(parseFast(MONITOR_PROGRAM, argv)).toBeNull();
    }
    for (const argv of [['--work-dir', '/w', 'touch'], ['--work-dir', '--quiet'], ['--run-id', 'a', '--run-id', 'b']]) {
      expect(parseFast(WRAPPER_PROGRAM, argv)).toBeNull();
    }
    expect(parseFast(MONITOR_PROGRAM, ['--version'])).toBe('version');
    const twice = await parseWithYargs(WRAPPER_PROGRAM, ['--run-id', 'a', '--run-id', 'b', '--', 'x']);
    expect(twice).toEqual({ kind: 'run', line: { command: '', values: { 'run-id': 'b' }, positionals: [], rest: ['x'] } });
  });

  test('each mistake is a FlagError with its code', async () => {
    const codeOf = (program: ProgramSpec, argv: string[]) =>
      parseWithYargs(program, argv).then(() => 'parsed', (e: { code: string }) => e.code);
    await expect(codeOf(MONITOR_PROGRAM, ['--bogus'])).resolves.toBe('E_FLAG_UNKNOWN');
    await expect(codeOf(MONITOR_PROGRAM, ['doctor', '--once'])).resolves.toBe('E_FLAG_UNKNOWN');
    await expect(codeOf(MONITOR_PROGRAM, ['frobnicate'])).resolves.toBe('E_COMMAND_UNKNOWN');
    await expect(codeOf(MONITOR_PROGRAM, ['--', 'x'])).resolves.toBe('E_ARG_UNEXPECTED');
    await expect(codeOf(MONITOR_PROGRAM, ['--interval'])).resolves.toBe('E_FLAG_VALUE');
    await expect(codeOf(WRAPPER_PROGRAM, ['--work-dir', '/w', 'touch', 'ran'])).resolves.toBe('E_ARG_UNEXPECTED');
    await expect(codeOf(WRAPPER_PROGRAM, ['--kill-grace'])).resolves.toBe('E_FLAG_VALUE');
  });
});

// The rows of the markdown tables under a `## program` heading: flag name → its variable and default cells.
function docsTable(markdown: string, program: string): Map<string, { env: string; def: string }> {
  const start = markdown.indexOf(`\n## ${program}\n`);
  expect(start).toBeGreaterThan(-1);
  const next = markdown.indexOf('\n## ', start + 1);
  const section = markdown.slice(start, next === -1 ? undefined : next);
  const rows = new Map<string, { env: string; def: string }>();
  for (const line of section.split('\n').filter((l) => l.startsWith('|'))) {
    const cells = line.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim());
    const flag = /`(?:-\w, )?--([a-z][a-z-]*)/.exec(cells[0]) ?? /`--([a-z][a-z-]*)/.exec(cells[0]);
    if (!flag || cells[0] === 'flag') continue;
    expect(rows.has(flag[1])).toBe(false);
    rows.set(flag[1], { env: cells[1], def: cells[2].replace(/`/g, '') });
  }
  return rows;
}

describe('docs/cli.md', () => {
  const markdown = readFileSync(join(ROOT, 'docs', 'cli.md'), 'utf8');

  test.each(PROGRAMS.map(([p]) => [p.name, p] as const))(
    'its %s table lists exactly the table flags, with their variables and defaults', (name, program) => {
    const rows = docsTable(markdown, name);
    expect([...rows.keys()].sort()).toEqual(Object.keys(program.flags).sort());
    for (const [flag, spec] of Object.entries(program.flags)) {
      const row = rows.get(flag)!;
      expect(row.env.match(/HPC_RUN_\w+/)?.[0]).toBe(spec.env);
      const shown = describeDefault(spec);
      if (shown && spec.type !== 'boolean') expect(row.def).toBe(shown);
    }
  });

  test('is what `npm run docs:cli` makes from the flag tables (not stale)', () => {
    expect(updateDocs(markdown, [WRAPPER_PROGRAM, MONITOR_PROGRAM])).toBe(markdown);
  });

  test('every monitor command has its flags in the table, and each flag names commands that exist', () => {
    for (const spec of Object.values(MONITOR_PROGRAM.flags)) {
      for (const command of ('commands' in spec ? spec.commands : []) ?? [])
        expect(Object.keys(MONITOR_PROGRAM.commands)).toContain(command);
    }
    for (const command of Object.keys(MONITOR_PROGRAM.commands)) {
      expect(flagsOf(MONITOR_PROGRAM, command).map(([n]) => n)).toEqual(expect.arrayContaining(['config', 'quiet', 'help']));
      expect(MONITOR_PROGRAM.commands[command].run).toBeDefined();
    }
  });
});

describe('start-up: the common command lines never load yargs', () => {
  const TRACE = join(ROOT, 'test', 'fixtures', 'cli', 'trace-imports.mjs');
  // Runs a real binary with every resolved module recorded; returns the exit code and whether yargs was loaded.
  async function traced(bin: string, argv: string[], dir: string) {
    const file = join(dir, `trace-${Math.random().toString(36).slice(2)}.txt`);
    const env = isolatedEnv(join(dir, 'state'), { NODE_OPTIONS: `--import=${TRACE}`, TRACE_IMPORTS_FILE: file });
    const result = await runBin(bin, argv, { env, cwd: dir });
    const modules = existsSync(file) ? readFileSync(file, 'utf8') : '';
    expect(modules).toMatch(/\/dist\/train-(monitor|wrapper)\.mjs/); // the bundles users run
    // yargs is bundled into a chunk of its own (dist/<program>/yargs-<hash>.mjs), loaded only when needed.
    return { code: result.code, stderr: result.stderr, yargs: /\/dist\/[a-z]+\/yargs-[A-Z0-9]+\.mjs/.test(modules) };
  }

  test('train-monitor --once and train-wrapper -- CMD run without yargs; --help and a mistake load it', async () => {
    const tmp = makeTempDir();
    try {
      const work = join(tmp.dir, 'work');
      mkdirSync(work);
      expect(await traced(BIN.monitor, ['--once', '--work-dir', work, '--dry-run', '--quiet'], tmp.dir)).toMatchObject({
        code: 0,
        yargs: false,
      });
      expect(await traced(BIN.monitor, ['--interval', '5m', '--once', '--work-dir', work, '--quiet'], tmp.dir)).toMatchObject({
        yargs: false,
      });
      expect(await traced(BIN.wrapper, ['--work-dir', work, '--quiet', '--', 'true'], tmp.dir)).toMatchObject({ code: 0, yargs: false });
      expect(await traced(BIN.wrapper, ['--work-dir', work, '--quiet', '--command', 'true'], tmp.dir)).toMatchObject({
        code: 0,
        yargs: false,
      });
      expect(await traced(BIN.monitor, ['--help'], tmp.dir)).toMatchObject({ code: 0, yargs: true });
      expect(await traced(BIN.wrapper, ['--bogus'], tmp.dir)).toMatchObject({ code: 2, yargs: true });
    } finally {
      tmp.cleanup();
    }
  });
});
