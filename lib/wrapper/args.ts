import { parseArgs } from 'node:util';
import { UsageError } from '../common/errors.js';
import type { RawWrapperArgs } from './options.js';

/** What the command line asks for: help text, the version, or a run. */
export type ParsedWrapperArgs = { kind: 'help'; text: string } | { kind: 'version' } | { kind: 'run'; raw: RawWrapperArgs };

// Run operations (retries, stall hint, control file): flags that take a value, read into RawWrapperArgs below.
const OPERATION_FLAGS = ['retries', 'retry-delay', 'stall-after', 'control-interval'] as const;

// Every flag with its help line, an example and its HPC_RUN_* variable; a few whole command lines below.
async function buildParser(args: string[]) {
  const { default: yargs } = await import('yargs');
  return yargs(args)
    .scriptName('train-wrapper')
    .usage(
      [
        'Usage: train-wrapper --work-dir DIR --command "CMD ARGS…"    (through /bin/sh -c)',
        '   or: train-wrapper --work-dir DIR [flags] -- CMD ARGS…      (no shell)',
        '',
        'Runs a training command in DIR, tees its output to DIR/logs/train_*.log, writes a heartbeat while it runs',
        'and a completion marker when it ends, and exits with the command\'s status.',
      ].join('\n'),
    )
    .help(false)
    .version(false)
    .strict()
    .fail(false)
    .exitProcess(false)
    .wrap(null)
    .parserConfiguration({
      'populate--': true,
      'parse-numbers': false,
      'parse-positional-numbers': false,
      'duplicate-arguments-array': false,
    })
    .option('work-dir', { type: 'string', describe: 'Directory the command runs in; marker and logs go here (required). e.g. --work-dir ~/bert  [HPC_RUN_WORK_DIR]' })
    .option('command', { type: 'string', describe: 'Command line for /bin/sh -c: quotes, $VARS, pipes, && work. e.g. --command "python train.py --epochs 100"  [HPC_RUN_COMMAND]' })
    .option('log-dir', { type: 'string', describe: 'Log directory, relative to the work dir (default logs). e.g. --log-dir /scratch/$USER/logs  [HPC_RUN_LOG_DIR]' })
    .option('run-id', { type: 'string', describe: 'Names marker, heartbeat and log (default: Slurm array/job id, else none). e.g. --run-id bert-lr3e4  [HPC_RUN_RUN_ID]' })
    .option('heartbeat-interval', { type: 'string', describe: 'Time between heartbeats, seconds or with s/m/h (default 30). e.g. --heartbeat-interval 2m  [HPC_RUN_HEARTBEAT_INTERVAL]' })
    .option('kill-grace', { type: 'string', describe: 'After SIGTERM/SIGINT/SIGHUP, SIGKILL the command\'s process group this much later (default 20). e.g. --kill-grace 60  [HPC_RUN_KILL_GRACE]' })
    .option('quiet', { type: 'boolean', describe: 'No informational [train-wrapper] lines; warnings, errors and the command\'s output stay. e.g. --quiet  [HPC_RUN_QUIET=1]' })
    .option('config', { type: 'string', describe: 'Config file: train: defaults and --notify channels. e.g. --config ~/.config/hpc-run/config.yaml  [HPC_RUN_CONFIG]' })
    .option('notify', { type: 'boolean', describe: 'Deliver the report from here at the end (lab server with internet); on failure the marker stays. e.g. --notify  [HPC_RUN_NOTIFY=1]' })
    // Run operations (retries, stall hint, control file)
    .option('retries', { type: 'string', describe: 'Start the command again when it fails on its own (not stopped, cancelled or timed out), up to N more times (default 0). e.g. --retries 3  [HPC_RUN_RETRIES]' })
    .option('retry-delay', { type: 'string', describe: 'Wait before a retry (default 30s), doubled after each further quick failure (within 60 s of its start). e.g. --retry-delay 1m  [HPC_RUN_RETRY_DELAY]' })
    .option('stall-after', { type: 'string', describe: 'Tell the monitor to call the run stalled when its output stops this long (default: the monitor\'s monitor.stall_after). e.g. --stall-after 45m  [HPC_RUN_STALL_AFTER]' })
    .option('control-interval', { type: 'string', describe: 'How often to look for a `train-monitor stop` control file (default 2). e.g. --control-interval 5  [HPC_RUN_CONTROL_INTERVAL]' })
    .option('help', { alias: 'h', type: 'boolean', describe: 'Show this help. e.g. --help' })
    .option('version', { type: 'boolean', describe: 'Show the version. e.g. --version' })
    .epilog(
      [
        'Examples:',
        '  train-wrapper --work-dir ~/bert --command "python train.py --epochs 100 | grep -v DEBUG"',
        '  train-wrapper --work-dir ~/bert --run-id lr3e4 --kill-grace 60 -- python train.py --lr 3e-4',
        '  exec train-wrapper --work-dir "$SLURM_SUBMIT_DIR" -- srun python train.py      (in an sbatch script)',
        '  HPC_RUN_WORK_DIR=~/bert HPC_RUN_COMMAND="python train.py" train-wrapper',
        '',
        'A flag beats its HPC_RUN_* variable, which beats the config\'s train: section.',
        'Exit status: the command\'s (its code; 128+N after signal N; 127 not found; 126 not executable);',
        '2 for bad flags or config, before anything runs.',
      ].join('\n'),
    );
}

const STRING_FLAGS = ['work-dir', 'command', 'log-dir', 'run-id', 'heartbeat-interval', 'kill-grace', 'config', ...OPERATION_FLAGS] as const;
const BOOLEAN_FLAGS = ['quiet', 'notify'] as const;

/**
 * The common command lines (known flags, then optionally `--` and the command) parsed by node's own parser, so
 * that a job's start does not pay for loading yargs; help, the version and every mistake go to yargs, which words
 * the messages. Returns null to say "ask yargs".
 */
function parseCommonFlags(args: string[]): Record<string, unknown> | null {
  const options: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const flag of STRING_FLAGS) options[flag] = { type: 'string' };
  for (const flag of BOOLEAN_FLAGS) options[flag] = { type: 'boolean' };
  try {
    const { values, positionals, tokens } = parseArgs({ args, options, strict: true, allowPositionals: true, tokens: true });
    const terminator = tokens.findIndex((t) => t.kind === 'option-terminator');
    const beforeTerminator = terminator === -1 ? tokens : tokens.slice(0, terminator);
    if (beforeTerminator.some((t) => t.kind === 'positional')) return null;
    // A repeated flag or a value that looks like a flag (`--work-dir --quiet`) is a mistake yargs reports properly.
    if (new Set(beforeTerminator.map((t) => (t.kind === 'option' ? t.name : ''))).size !== beforeTerminator.length) return null;
    for (const v of Object.values(values)) if (typeof v === 'string' && v.startsWith('-')) return null;
    return { ...values, '--': positionals };
  } catch {
    return null;
  }
}

/** Parses the wrapper's command line; bad flags become one UsageError line pointing at --help. */
export async function parseWrapperArgs(args: string[]): Promise<ParsedWrapperArgs> {
  let argv = parseCommonFlags(args);
  if (argv === null) {
    const parser = await buildParser(args);
    try {
      argv = (await parser.parseAsync()) as Record<string, unknown>;
    } catch (error) {
      throw new UsageError(`${describeParseError(error, args)} (see train-wrapper --help)`);
    }
    if (argv.help) return { kind: 'help', text: await (await buildParser([])).getHelp() };
    if (argv.version) return { kind: 'version' };
  }
  const str = (key: string): string | undefined => (typeof argv[key] === 'string' ? (argv[key] as string) : undefined);
  const bool = (key: string): boolean | undefined => (typeof argv[key] === 'boolean' ? (argv[key] as boolean) : undefined);
  return {
    kind: 'run',
    raw: {
      workDir: str('work-dir'),
      command: str('command'),
      argv: Array.isArray(argv['--']) ? (argv['--'] as unknown[]).map(String) : [],
      logDir: str('log-dir'),
      runId: str('run-id'),
      heartbeatInterval: str('heartbeat-interval'),
      killGrace: str('kill-grace'),
      quiet: bool('quiet'),
      notify: bool('notify'),
      config: str('config'),
      // Run operations
      retries: str('retries'),
      retryDelay: str('retry-delay'),
      stallAfter: str('stall-after'),
      controlInterval: str('control-interval'),
    },
  };
}

// Turns yargs' "Unknown arguments: x, y" into "unknown flag --x" or "unexpected argument 'y'".
function describeParseError(error: unknown, args: string[]): string {
  const message = error instanceof Error ? error.message : String(error);
  const unknown = /^Unknown arguments?: (.+)$/.exec(message);
  if (!unknown) return message.charAt(0).toLowerCase() + message.slice(1);
  const beforeDashes = args.includes('--') ? args.slice(0, args.indexOf('--')) : args;
  const name = unknown[1].split(', ')[0];
  if (beforeDashes.includes(name)) {
    return `unexpected argument '${name}': give the command with --command "…" or after --`;
  }
  const shown = beforeDashes.find((a) => a.replace(/^-+/, '').split('=')[0] === name) ?? (name.length === 1 ? `-${name}` : `--${name}`);
  return `unknown flag ${shown.split('=')[0]}`;
}
