import { resolve } from 'node:path';
import { FlagError } from '../common/errors.js';
import { spoolDir, stateDir } from '../common/paths.js';
import { DEFAULTS } from '../config/defaults.js';
import { normalizeMonitorArgs } from '../monitor/options.js';
import type { FlagSpec, Invocation, ProgramSpec } from './flags.js';

const MAIN = [''] as const;

/**
 * Every flag of `train-monitor`, the one place for its variable, config key, default, help and the commands that
 * take it (`''` is the main command; no `commands` means all). The fast parser, the yargs help, the value checks and
 * docs/cli.md are all made from it. A new flag is one entry here.
 */
export const MONITOR_FLAGS = {
  'work-dir': {
    type: 'string', multiple: true, env: 'HPC_RUN_WORK_DIR', envSeparator: ':', configKey: 'watch',
    defaultText: 'the spool: every run the wrapper registered', commands: ['', 'status', 'serve', 'clean'],
    help: 'Work dir to watch (repeatable); status, serve: only runs in these dirs; clean: also these dirs.',
    example: '--work-dir ~/exp1 --work-dir ~/exp2',
  },
  interval: {
    type: 'duration', env: 'HPC_RUN_INTERVAL', configKey: 'monitor.interval', default: DEFAULTS.monitor.interval_s, commands: MAIN,
    help: 'Time between passes, seconds or with s/m/h; ignored with --once.', example: '--interval 5m',
  },
  once: {
    type: 'boolean', commands: MAIN,
    help: 'One pass, then exit (cron); exit 1 if a delivery failed.', example: '--once',
  },
  watch: {
    type: 'boolean', commands: MAIN,
    help: 'React to new files (chokidar) besides the periodic pass.', example: '--watch',
  },
  poll: {
    type: 'boolean', env: 'HPC_RUN_NO_POLL', envNegates: true, default: true, commands: MAIN,
    help: 'With --watch: poll (NFS-safe); --no-poll for local disks.', example: '--no-poll',
  },
  'stale-after': {
    type: 'duration', env: 'HPC_RUN_STALE_AFTER', configKey: 'monitor.stale_after', default: DEFAULTS.monitor.stale_after_s, commands: MAIN,
    help: 'A heartbeat unchanged this long means the run is lost.', example: '--stale-after 15m',
  },
  'dry-run': {
    type: 'boolean', env: 'HPC_RUN_DRY_RUN', default: false, commands: ['', 'install-cron', 'clean'],
    help: 'Print the reports (install-cron: the crontab line; clean: what would go); send, claim, delete and install nothing.',
    example: '--once --dry-run',
  },
  'interval-minutes': {
    type: 'integer', default: 5, min: 1, max: 60, commands: ['install-cron'],
    help: 'Minutes between the cron passes (1-60).', example: '--interval-minutes 10',
  },
  json: {
    type: 'boolean', commands: ['status'],
    help: 'An array of runs as JSON (run_id, work_dir, job_id, host, state, elapsed_s, last_output_at, …).', example: 'status --json',
  },
  all: {
    type: 'boolean', commands: ['status'],
    help: 'Add finished runs whose report was delivered (from the history, newest 100).', example: 'status --all',
  },
  lines: {
    type: 'integer', alias: 'n', default: 10, min: 0, max: 100000, commands: ['follow'],
    help: 'How many of the last lines to show before following.', example: 'follow bert --lines 50',
  },
  signal: {
    type: 'string', valueName: 'SIGNAL', default: 'TERM', commands: ['stop'],
    help: 'TERM or INT end the run (grace period, then SIGKILL); USR1 or USR2 are passed on and the run goes on.',
    example: 'stop bert --signal USR1',
  },
  reason: {
    type: 'string', valueName: 'TEXT', commands: ['stop'], defaultText: 'none',
    help: 'Why, for the marker and the report.', example: 'stop bert --reason "loss diverged"',
  },
  serve: {
    type: 'integer', valueName: 'PORT', min: 0, max: 65535, commands: MAIN, defaultText: 'no status server',
    help: 'Also serve the status page and /metrics on this port (a long-running monitor only).', example: '--interval 60 --serve 8765',
  },
  port: {
    type: 'integer', default: 8765, min: 0, max: 65535, commands: ['serve'],
    help: 'Port of the status page (0: any free port; the address is printed).', example: 'serve --port 9000',
  },
  host: {
    type: 'string', valueName: 'ADDR', default: '127.0.0.1', commands: ['', 'serve'],
    help: 'Address the status server binds; anything but loopback needs --token-file.',
    example: 'serve --host 0.0.0.0 --token-file ~/.hpc-run-token',
  },
  'token-file': {
    type: 'string', valueName: 'FILE', commands: ['', 'serve'], defaultText: 'none',
    help: 'Its first line is the bearer token the status server requires (Authorization: Bearer …).',
    example: 'serve --token-file ~/.hpc-run-token',
  },
  'keep-last': {
    type: 'integer', valueName: 'N', min: 0, commands: ['clean'], configKey: 'retention.keep_last', defaultText: 'no limit',
    help: "Keep the newest N runs' logs of every work dir.", example: 'clean --keep-last 3',
  },
  'older-than': {
    type: 'duration', days: true, commands: ['clean'], configKey: 'retention.older_than', defaultText: 'any age',
    help: 'Only remove what is older than this (s, m, h or d).', example: 'clean --older-than 7d',
  },
  channel: {
    type: 'string', valueName: 'NAME', commands: ['test'], defaultText: 'every channel',
    help: 'Only this channel (its name or type).', example: '--channel xxtui',
  },
  config: {
    type: 'string', valueName: 'FILE', env: 'HPC_RUN_CONFIG', envReadElsewhere: true, defaultText: 'the config search',
    help: 'Config file.', example: '--config ~/.config/hpc-run/config.yaml',
  },
  quiet: {
    type: 'boolean', env: 'HPC_RUN_QUIET', default: false,
    help: 'Only warnings, errors and reports.', example: '--quiet',
  },
  'log-format': {
    type: 'string', valueName: 'FORMAT', env: 'HPC_RUN_LOG_FORMAT', default: 'text',
    help: "The monitor's own lines: text, or json (one object per line with time, level, message and fields).",
    example: '--log-format json',
  },
  help: { type: 'boolean', alias: 'h', builtin: 'help', help: 'Show this help.', example: '--help' },
  version: { type: 'boolean', builtin: 'version', help: 'Show the version.', example: '--version' },
} as const satisfies Record<string, FlagSpec>;

// The config file named on the command line, relative to the current dir (the variable is read by the config search).
const configPath = ({ values, cwd }: Invocation) => {
  const given = values.text('config')?.value;
  return given === undefined ? undefined : resolve(cwd, given);
};

/** Where the status server listens, for `serve` (its --port) and a monitor's `--serve PORT`. */
export function serveSettings(inv: Invocation, port: number) {
  const tokenFile = inv.values.text('token-file')?.value;
  return {
    port,
    host: inv.values.text('host')?.value ?? String(MONITOR_FLAGS.host.default),
    tokenFile: tokenFile === undefined ? null : resolve(inv.cwd, tokenFile),
    workDirs: (inv.values.list('work-dir')?.value ?? []).map((d) => resolve(inv.cwd, d)),
  };
}

/** `train-monitor`'s command line; a new subcommand is one entry in `commands`, its code imported only when it runs. */
export const MONITOR_PROGRAM: ProgramSpec = {
  name: 'train-monitor',
  usage: [
    'Usage: $0 [flags]',
    '       $0 test [--channel NAME]',
    '       $0 doctor',
    '       $0 install-cron [--interval-minutes N] [--dry-run]',
    '       $0 status [--json] [--all] [--work-dir DIR]',
    '       $0 follow [RUN] [--lines N]',
    '       $0 stop RUN [--signal TERM|INT|USR1|USR2] [--reason TEXT]',
    '       $0 serve [--port N] [--host ADDR] [--token-file FILE]',
    '       $0 clean [--keep-last N] [--older-than 7d] [--dry-run]',
    '',
    'Finds completion markers of training runs, delivers each report exactly once to every configured channel,',
    'and reports runs whose heartbeat stopped as lost.',
  ].join('\n'),
  flags: MONITOR_FLAGS,
  commands: {
    '': {
      summary: 'watch work dirs (or the spool) and deliver reports',
      run: async (inv) => {
        const args = normalizeMonitorArgs(inv.values, inv.cwd, configPath(inv));
        const port = inv.values.optionalInteger('serve');
        if (port !== null && args.mode === 'once') {
          throw new FlagError('E_FLAG_CONFLICT', '--serve needs a long-running monitor: use it with --interval or --watch, not --once');
        }
        args.serve = port === null ? null : serveSettings(inv, port);
        for (const note of args.notes) inv.logger.info(note);
        // What a pass loads later (the config loader, the redactor) is fetched in the same round of the module loader.
        const [{ runMonitor }] = await Promise.all([
          import('../monitor/run.js'),
          import('../config/load.js'),
          import('../config/redact.js'),
        ]);
        return runMonitor(args, { env: inv.env, cwd: inv.cwd, logger: inv.logger, spool: spoolDir(inv.env) });
      },
    },
    test: {
      summary: 'send a test notification to every channel (or one)',
      run: async (inv) => {
        const { runTestCommand } = await import('../doctor/test-command.js');
        const channel = inv.values.text('channel')?.value;
        return runTestCommand({ configPath: configPath(inv), channel, env: inv.env, logger: inv.logger });
      },
    },
    'install-cron': {
      summary: "add a cron entry for a pass every few minutes to your crontab, keeping your other entries (again: replaces it)",
      run: async (inv) => {
        const { runInstallCron } = await import('../cron/install-cron.js');
        const intervalMinutes = inv.values.integer('interval-minutes');
        return runInstallCron({ intervalMinutes, dryRun: inv.values.bool('dry-run').value, env: inv.env, logger: inv.logger });
      },
    },
    status: {
      summary: "one table of your runs: running, stalled, GPU idle, delivering, delivered, delivery failing, lost",
      run: async (inv) => {
        const { runStatus } = await import('../ops/status.js');
        const workDirs = (inv.values.list('work-dir')?.value ?? []).map((d) => resolve(inv.cwd, d));
        return runStatus(
          { json: inv.values.bool('json').value, all: inv.values.bool('all').value, workDirs },
          { env: inv.env, logger: inv.logger, stdout: process.stdout },
        );
      },
    },
    follow: {
      summary: "a live tail of a run's log (default: the newest running run) until it ends",
      positionals: ['run?'],
      run: async (inv) => {
        const { runFollow } = await import('../ops/follow.js');
        return runFollow(
          { run: inv.positionals[0], lines: inv.values.integer('lines') },
          { env: inv.env, cwd: inv.cwd, logger: inv.logger },
        );
      },
    },
    stop: {
      summary: "ask a run's wrapper to signal its command (a control file in its work dir; no ssh)",
      positionals: ['run'],
      run: async (inv) => {
        const { runStop } = await import('../ops/stop.js');
        return runStop(
          { run: inv.positionals[0], signal: inv.values.text('signal')?.value, reason: inv.values.text('reason')?.value },
          { env: inv.env, cwd: inv.cwd, logger: inv.logger },
        );
      },
    },
    serve: {
      summary: 'the status page, /api/runs and Prometheus /metrics (127.0.0.1 unless a token file is given)',
      run: async (inv) => {
        const { runServe } = await import('../serve/run.js');
        return runServe(serveSettings(inv, inv.values.integer('port')), { env: inv.env, logger: inv.logger });
      },
    },
    clean: {
      summary: 'remove old logs and state by --keep-last and/or --older-than; never a running or undelivered run',
      run: async (inv) => {
        const { runClean } = await import('../retention/run.js');
        const { loadConfig } = await import('../config/load.js');
        // A flag beats the config's retention: section; the config's watch list and log dir add places to clean.
        const config = await loadConfig({ configPath: configPath(inv), env: inv.env, cwd: inv.cwd });
        for (const warning of config.warnings) inv.logger.warn(warning);
        const olderThan = inv.values.duration('older-than')?.value ?? config.retention?.older_than_s ?? undefined;
        return runClean(
          {
            keepLast: inv.values.optionalInteger('keep-last') ?? config.retention?.keep_last ?? null,
            olderThanMs: olderThan === undefined ? null : olderThan * 1000,
            dryRun: inv.values.bool('dry-run').value,
            workDirs: [...(inv.values.list('work-dir')?.value ?? []).map((d) => resolve(inv.cwd, d)), ...config.watch],
            logDirs: config.train.log_dir ? [config.train.log_dir] : [],
          },
          { spool: spoolDir(inv.env), stateDir: stateDir(inv.env), logger: inv.logger, now: Date.now },
        );
      },
    },
    doctor: {
      summary: 'check configuration, secrets file permissions, channels and Slurm commands',
      run: async (inv) => {
        const { runDoctor } = await import('../doctor/doctor.js');
        return runDoctor({ configPath: configPath(inv), env: inv.env, logger: inv.logger });
      },
    },
  },
  examples: [
    ['$0 --once', 'one pass over every run the wrapper registered (for cron), then exit'],
    ['$0 --interval 60', 'keep watching (in screen/tmux), a pass every 60 s'],
    ['$0 --work-dir ~/exp1 --work-dir ~/exp2 --watch', 'react to new markers in two work dirs (polling, NFS-safe)'],
    ['$0 --once --dry-run', 'show the reports that would be sent; send, claim and delete nothing'],
    ['$0 --stale-after 15m', 'call a run lost when its heartbeat has not moved for 15 minutes'],
    ['$0 test --channel xxtui', 'send a test notification through one channel'],
    ['$0 doctor', 'check the configuration, channels and scheduler commands'],
    ['$0 status', 'every run of yours: state, elapsed, last output, GPU, last line'],
    ['$0 follow bert', 'the live log of run bert until it ends'],
    ['$0 stop bert --reason "loss diverged"', 'end run bert (SIGTERM to its command, then the usual grace period)'],
    ['$0 --interval 60 --serve 8765', 'keep watching, and serve the status page and /metrics on 127.0.0.1:8765'],
    ['$0 clean --keep-last 3 --older-than 7d --dry-run', 'list the logs that retention would remove, and the bytes freed'],
    ['$0 install-cron --interval-minutes 10', 'a pass every 10 minutes from cron; your other cron entries stay'],
  ],
  environment: [['HPC_RUN_STATE_DIR', 'the spool and delivery state (default ~/.local/state/hpc-run)']],
  epilog: [
    'A flag beats its HPC_RUN_* variable, which beats the config file, which beats the default.',
    'Exit status: 0 all found reports delivered (or none found), 1 a delivery failed (markers kept for retry),',
    '2 usage or configuration error.',
  ].join('\n'),
};
