import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseDuration } from '../common/duration.js';
import { UsageError } from '../common/errors.js';

/** How the monitor runs: one pass (cron), a polling loop, or chokidar events plus periodic passes. */
export type MonitorMode = 'once' | 'interval' | 'watch';

/** The command line after validation; durations in seconds, dirs absolute. Unset values fall back to the config. */
export type MonitorArgs =
  | { kind: 'help'; text: string }
  | { kind: 'version' }
  | { kind: 'test'; configPath?: string; channel?: string; quiet: boolean }
  | { kind: 'doctor'; configPath?: string; quiet: boolean }
  | {
      kind: 'monitor';
      workDirs: string[];
      mode: MonitorMode;
      intervalS?: number;
      staleAfterS?: number;
      dryRun: boolean;
      poll: boolean;
      configPath?: string;
      quiet: boolean;
    };

const EXAMPLES: Array<[string, string]> = [
  ['$0 --once', 'one pass over every run the wrapper registered (for cron), then exit'],
  ['$0 --interval 60', 'keep watching (in screen/tmux), a pass every 60 s'],
  ['$0 --work-dir ~/exp1 --work-dir ~/exp2 --watch', 'react to new markers in two work dirs (polling, NFS-safe)'],
  ['$0 --once --dry-run', 'show the reports that would be sent; send, claim and delete nothing'],
  ['$0 --stale-after 15m', 'call a run lost when its heartbeat has not moved for 15 minutes'],
  ['$0 test --channel xxtui', 'send a test notification through one channel'],
  ['$0 doctor', 'check the configuration, channels and scheduler commands'],
];

// Environment equivalents of the flags (a flag on the command line wins).
function envDefaults(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const truthy = (v: string | undefined) => v !== undefined && /^(1|true|yes|on)$/i.test(v.trim());
  const out: Record<string, unknown> = {};
  if (env.HPC_RUN_WORK_DIR) out['work-dir'] = env.HPC_RUN_WORK_DIR.split(':').filter(Boolean);
  if (env.HPC_RUN_INTERVAL) out.interval = env.HPC_RUN_INTERVAL;
  if (env.HPC_RUN_STALE_AFTER) out['stale-after'] = env.HPC_RUN_STALE_AFTER;
  if (truthy(env.HPC_RUN_DRY_RUN)) out['dry-run'] = true;
  if (truthy(env.HPC_RUN_QUIET)) out.quiet = true;
  if (truthy(env.HPC_RUN_NO_POLL)) out.poll = false;
  return out;
}

/**
 * The common command lines (only known flags, no subcommand, no --help) parsed by node's own parser, so that a
 * cron `--once` does not pay for loading yargs; anything else, including every mistake, goes to yargs, which
 * gives the help and the error messages. Returns null to say "ask yargs".
 */
function parseCommonFlags(argv: string[], env: NodeJS.ProcessEnv): Record<string, unknown> | null {
  try {
    const { values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        'work-dir': { type: 'string', multiple: true },
        interval: { type: 'string' },
        once: { type: 'boolean' },
        watch: { type: 'boolean' },
        poll: { type: 'boolean' },
        'stale-after': { type: 'string' },
        'dry-run': { type: 'boolean' },
        config: { type: 'string' },
        quiet: { type: 'boolean' },
      },
    });
    // A value that looks like a flag (`--config --once`) is a mistake yargs reports properly.
    for (const v of Object.values(values).flat()) if (typeof v === 'string' && v.startsWith('-')) return null;
    return { ...envDefaults(env), ...values, _: [] };
  } catch {
    return null;
  }
}

/** Parses and validates the command line (yargs loaded only when needed); bad input throws UsageError (exit 2). */
export async function parseMonitorArgs(argv: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<MonitorArgs> {
  const common = parseCommonFlags(argv, env);
  if (common) {
    const configPath = typeof common.config === 'string' ? resolve(cwd, common.config) : undefined;
    const intervalOnCommandLine = argv.some((a) => a === '--interval' || a.startsWith('--interval='));
    return normalizeMonitorArgs(common, cwd, configPath, common.quiet === true, intervalOnCommandLine);
  }
  const { default: yargs } = await import('yargs');
  const defaults = envDefaults(env);
  const parser = yargs(argv)
    .scriptName('train-monitor')
    .help(false)
    .version(false)
    .usage('Usage: $0 [options]\n       $0 test [--channel NAME]\n       $0 doctor\n       $0 status|follow|stop …   (runs while they live; $0 status --help)\n\nFinds completion markers of training runs, delivers each report exactly once to every configured channel, and reports runs whose heartbeat stopped as lost.')
    .command('$0', 'watch work dirs (or the spool) and deliver reports')
    .command('test', 'send a test notification to every channel (or one)', (y) => y.option('channel', { type: 'string', requiresArg: true, describe: 'only this channel (its name or type)' }))
    .command('doctor', 'check configuration, secrets file permissions, channels and Slurm commands')
    .options({
      'work-dir': { type: 'string', array: true, requiresArg: true, describe: 'work dir to watch (repeatable); default: the config\'s watch list, else the spool', default: defaults['work-dir'] as string[] | undefined, defaultDescription: '$HPC_RUN_WORK_DIR' },
      interval: { type: 'string', requiresArg: true, describe: 'seconds between passes (or 30s, 5m)', default: defaults.interval as string | undefined, defaultDescription: 'monitor.interval_s, 60' },
      once: { type: 'boolean', describe: 'one pass, then exit (cron); exit 1 if a delivery failed' },
      watch: { type: 'boolean', describe: 'react to new files (chokidar) besides the periodic pass' },
      poll: { type: 'boolean', default: (defaults.poll as boolean | undefined) ?? true, describe: 'with --watch: poll (NFS-safe); --no-poll for local disks' },
      'stale-after': { type: 'string', requiresArg: true, describe: 'a heartbeat unchanged this long means the run is lost', default: defaults['stale-after'] as string | undefined, defaultDescription: 'monitor.stale_after_s, 10m' },
      'dry-run': { type: 'boolean', default: (defaults['dry-run'] as boolean | undefined) ?? false, describe: 'print the reports; send, claim and delete nothing' },
      config: { type: 'string', requiresArg: true, describe: 'config file', defaultDescription: '$HPC_RUN_CONFIG, ./config/config.yaml, ~/.config/hpc-run/config.yaml' },
      quiet: { type: 'boolean', default: (defaults.quiet as boolean | undefined) ?? false, describe: 'only warnings, errors and reports' },
      help: { type: 'boolean', alias: 'h', describe: 'show this help' },
      version: { type: 'boolean', describe: 'show the version' },
    })
    .example(EXAMPLES)
    .epilogue('Exit status: 0 all found reports delivered (or none found), 1 a delivery failed (markers kept for retry), 2 usage or configuration error.\nEnvironment: HPC_RUN_CONFIG, HPC_RUN_STATE_DIR, HPC_RUN_WORK_DIR (colon-separated), HPC_RUN_INTERVAL, HPC_RUN_STALE_AFTER, HPC_RUN_DRY_RUN=1, HPC_RUN_QUIET=1, HPC_RUN_NO_POLL=1.')
    .strict()
    .exitProcess(false)
    .wrap(100)
    .fail((message, error) => {
      throw new UsageError(`${message || error?.message || 'invalid command line'} (see train-monitor --help)`);
    });
  const args = (await parser.parseAsync()) as Record<string, unknown> & { _: Array<string | number> };
  if (args.help) return { kind: 'help', text: await parser.getHelp() };
  if (args.version) return { kind: 'version' };
  const command = String(args._[0] ?? '');
  const configPath = typeof args.config === 'string' ? resolve(cwd, args.config) : undefined;
  const quiet = args.quiet === true;
  if (command === 'test') return { kind: 'test', configPath, channel: args.channel as string | undefined, quiet };
  if (command === 'doctor') return { kind: 'doctor', configPath, quiet };
  if (command !== '' || args._.length > 1) throw new UsageError(`unknown command '${args._.join(' ')}'`, 'train-monitor --help lists the commands');
  const intervalOnCommandLine = argv.some((a) => a === '--interval' || a.startsWith('--interval='));
  return normalizeMonitorArgs(args, cwd, configPath, quiet, intervalOnCommandLine);
}

// Checks contradictions and values, naming the bad one.
function normalizeMonitorArgs(args: Record<string, unknown>, cwd: string, configPath: string | undefined, quiet: boolean, intervalGiven: boolean): MonitorArgs {
  if (args.once && args.watch) throw new UsageError('--once and --watch cannot be combined: --once does one pass and exits');
  if (args.once && intervalGiven) throw new UsageError('--once and --interval cannot be combined: --once does one pass and exits');
  const intervalS = args.interval === undefined ? undefined : parseDuration(args.interval, '--interval');
  const staleAfterS = args['stale-after'] === undefined ? undefined : parseDuration(args['stale-after'], '--stale-after');
  const given = ((args['work-dir'] as unknown[] | undefined) ?? []).filter((d): d is string => typeof d === 'string');
  const dirs = given.map((d) => {
    if (d.trim() === '') throw new UsageError('--work-dir needs a directory');
    return resolve(cwd, d);
  });
  return {
    kind: 'monitor',
    workDirs: [...new Set(dirs)],
    mode: args.once ? 'once' : args.watch ? 'watch' : 'interval',
    intervalS,
    staleAfterS,
    dryRun: args['dry-run'] === true,
    poll: args.poll !== false,
    configPath,
    quiet,
  };
}
