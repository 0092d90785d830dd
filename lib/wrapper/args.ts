import yargs from 'yargs';
import { UsageError } from '../common/errors.js';
import type { RawWrapperArgs } from './options.js';

/** What the command line asks for: help text, the version, or a run. */
export type ParsedWrapperArgs = { kind: 'help'; text: string } | { kind: 'version' } | { kind: 'run'; raw: RawWrapperArgs };

// Every flag with its help line; examples below show each one in use.
function buildParser(args: string[]) {
  return yargs(args)
    .scriptName('train-wrapper')
    .usage(
      'Usage: train-wrapper --work-dir DIR --command "CMD ARGS…"\n' +
        '       train-wrapper --work-dir DIR [flags] -- CMD ARGS…\n\n' +
        'Runs a training command, tees its output to DIR/logs/train_*.log, writes a heartbeat while it runs and a\n' +
        'completion marker when it ends, and exits with the command\'s status. Flags can also be set with HPC_RUN_*\n' +
        'variables (HPC_RUN_WORK_DIR, HPC_RUN_COMMAND, HPC_RUN_LOG_DIR, HPC_RUN_RUN_ID, HPC_RUN_HEARTBEAT_INTERVAL,\n' +
        'HPC_RUN_KILL_GRACE, HPC_RUN_QUIET, HPC_RUN_NOTIFY, HPC_RUN_CONFIG); a flag beats its variable.',
    )
    .help(false)
    .version(false)
    .strict()
    .fail(false)
    .exitProcess(false)
    .wrap(Math.min(120, process.stdout.columns || 100))
    .parserConfiguration({
      'populate--': true,
      'parse-numbers': false,
      'parse-positional-numbers': false,
      'duplicate-arguments-array': false,
    })
    .option('work-dir', { type: 'string', describe: 'Directory the command runs in; markers and logs go here (required)' })
    .option('command', { type: 'string', describe: 'Command line, run through /bin/sh -c (quotes, $VARS, pipes, && work)' })
    .option('log-dir', { type: 'string', describe: 'Log directory, relative to the work dir', defaultDescription: 'logs' })
    .option('run-id', { type: 'string', describe: 'Names the marker, heartbeat and log', defaultDescription: 'Slurm array/job id, else none' })
    .option('heartbeat-interval', { type: 'string', describe: 'Seconds between heartbeats (or 30s, 2m, 1h)', defaultDescription: '30' })
    .option('kill-grace', { type: 'string', describe: 'After SIGTERM/SIGINT/SIGHUP, wait this long, then SIGKILL the whole process group', defaultDescription: '20' })
    .option('quiet', { type: 'boolean', describe: 'Print no informational [train-wrapper] lines (warnings and errors still)' })
    .option('config', { type: 'string', describe: 'Config file (for train: defaults and --notify channels)' })
    .option('notify', { type: 'boolean', describe: 'Deliver the report from here when the command ends (lab server with internet)' })
    .option('help', { alias: 'h', type: 'boolean', describe: 'Show this help' })
    .option('version', { type: 'boolean', describe: 'Show the version' })
    .example('train-wrapper --work-dir ~/bert --command "python train.py --epochs 100"', 'run through a shell')
    .example('train-wrapper --work-dir ~/bert -- python train.py --epochs 100', 'run without a shell')
    .example('train-wrapper --work-dir . --log-dir /scratch/$USER/logs --command "./train.sh"', 'logs elsewhere')
    .example('train-wrapper --work-dir . --run-id bert-lr3e4 --command "python train.py"', 'name this run')
    .example('train-wrapper --work-dir . --heartbeat-interval 2m --command "python train.py"', 'heartbeat every 2 minutes')
    .example('train-wrapper --work-dir . --kill-grace 60 --command "python train.py"', '60 s to checkpoint after SIGTERM')
    .example('train-wrapper --work-dir . --quiet --command "python train.py"', 'only the command\'s output')
    .example('train-wrapper --work-dir . --config ~/hpc-run.yaml --notify -- python train.py', 'report from here at the end')
    .example('HPC_RUN_WORK_DIR=. HPC_RUN_COMMAND="python train.py" train-wrapper', 'all from the environment')
    .example('exec train-wrapper --work-dir "$SLURM_SUBMIT_DIR" -- python train.py', 'in an sbatch script')
    .epilog(
      'Exit status: the command\'s (its code, 128+N after signal N, 127 not found, 126 not executable);\n' +
        '2 for bad flags or config, before anything runs.',
    );
}

/** Parses the wrapper's command line; bad flags become one UsageError line pointing at --help. */
export async function parseWrapperArgs(args: string[]): Promise<ParsedWrapperArgs> {
  const parser = buildParser(args);
  let argv: Record<string, unknown>;
  try {
    argv = (await parser.parseAsync()) as Record<string, unknown>;
  } catch (error) {
    throw new UsageError(`${describeParseError(error, args)} (see train-wrapper --help)`);
  }
  if (argv.help) return { kind: 'help', text: await buildParser([]).getHelp() };
  if (argv.version) return { kind: 'version' };
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
