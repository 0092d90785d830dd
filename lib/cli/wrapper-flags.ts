import type { FlagSpec, ProgramSpec } from './flags.js';

/**
 * Every flag of `train-wrapper`, the one place for its variable, config key, default and help; the fast parser,
 * the yargs help, the value checks and docs/cli.md are all made from it. A new flag is one entry here.
 */
export const WRAPPER_FLAGS = {
  'work-dir': {
    type: 'string', env: 'HPC_RUN_WORK_DIR', configKey: 'train.work_dir',
    help: 'Directory the command runs in; marker and logs go here (required).', example: '--work-dir ~/bert',
  },
  command: {
    type: 'string', valueName: 'TEXT', env: 'HPC_RUN_COMMAND', configKey: 'train.command',
    help: 'Command line for /bin/sh -c: quotes, $VARS, pipes, && work. Or give the command after --, without a shell.',
    example: '--command "python train.py --epochs 100"',
  },
  'log-dir': {
    type: 'string', env: 'HPC_RUN_LOG_DIR', configKey: 'train.log.dir', default: 'logs',
    help: 'Log directory, relative to the work dir; may lie outside it (the spool entry then names the log for the monitor).',
    example: '--log-dir /scratch/$USER/logs',
  },
  'run-id': {
    type: 'string', env: 'HPC_RUN_RUN_ID', defaultText: 'the Slurm array/job id, else none',
    help: 'Names the marker, heartbeat and log, so that runs sharing a work dir stay apart.', example: '--run-id bert-lr3e4',
  },
  'heartbeat-interval': {
    type: 'duration', env: 'HPC_RUN_HEARTBEAT_INTERVAL', default: 30,
    help: 'Time between heartbeats, seconds or with s/m/h.', example: '--heartbeat-interval 2m',
  },
  'kill-grace': {
    type: 'duration', env: 'HPC_RUN_KILL_GRACE', default: 20, allowZero: true,
    help: "After SIGTERM/SIGINT/SIGHUP, SIGKILL the command's process group this much later; keep it below Slurm's KillWait.",
    example: '--kill-grace 60',
  },
  quiet: {
    type: 'boolean', env: 'HPC_RUN_QUIET', default: false,
    help: "No informational [train-wrapper] lines; warnings, errors and the command's output stay.", example: '--quiet',
  },
  config: {
    type: 'string', valueName: 'FILE', env: 'HPC_RUN_CONFIG', envReadElsewhere: true, defaultText: 'the config search',
    help: 'Config file: train: defaults and the channels for --notify.', example: '--config ~/.config/hpc-run/config.yaml',
  },
  notify: {
    type: 'boolean', env: 'HPC_RUN_NOTIFY', default: false,
    help: 'Deliver the report from here at the end (a lab server with internet); on failure the marker stays for a monitor.',
    example: '--notify',
  },
  retries: {
    type: 'integer', valueName: 'N', env: 'HPC_RUN_RETRIES', default: 0, min: 0, max: 999,
    help: 'Start the command again when it fails on its own (not stopped, cancelled or timed out), up to N more times.',
    example: '--retries 3',
  },
  'retry-delay': {
    type: 'duration', env: 'HPC_RUN_RETRY_DELAY', default: 30, allowZero: true,
    help: 'Wait before a retry, doubled after each further quick failure (within 60 s of its start).', example: '--retry-delay 1m',
  },
  'stall-after': {
    type: 'duration', env: 'HPC_RUN_STALL_AFTER', defaultText: "the monitor's monitor.stall_after",
    help: 'Tell the monitor to call this run stalled when its output stops this long.', example: '--stall-after 45m',
  },
  'control-interval': {
    type: 'duration', env: 'HPC_RUN_CONTROL_INTERVAL', default: 2,
    help: 'How often to look for a `train-monitor stop` control file.', example: '--control-interval 5',
  },
  'log-format': {
    type: 'string', valueName: 'FORMAT', env: 'HPC_RUN_LOG_FORMAT', default: 'text',
    help: "The wrapper's own lines: text, or json (one object per line); the command's output is never touched.",
    example: '--log-format json',
  },
  help: { type: 'boolean', alias: 'h', builtin: 'help', help: 'Show this help.', example: '--help' },
  version: { type: 'boolean', builtin: 'version', help: 'Show the version.', example: '--version' },
} as const satisfies Record<string, FlagSpec>;

/** `train-wrapper`'s command line. */
export const WRAPPER_PROGRAM: ProgramSpec = {
  name: 'train-wrapper',
  usage: [
    'Usage: train-wrapper --work-dir DIR --command "CMD ARGS…"    (through /bin/sh -c)',
    '   or: train-wrapper --work-dir DIR [flags] -- CMD ARGS…      (no shell)',
    '',
    'Runs a training command in DIR, tees its output to DIR/logs/train_*.log, writes a heartbeat while it runs',
    "and a completion marker when it ends, and exits with the command's status.",
  ].join('\n'),
  flags: WRAPPER_FLAGS,
  commands: { '': { summary: 'run a training command' } },
  terminator: true,
  examples: [
    ['train-wrapper --work-dir ~/bert --command "python train.py --epochs 100 | grep -v DEBUG"', 'through a shell'],
    ['train-wrapper --work-dir ~/bert --run-id lr3e4 --kill-grace 60 -- python train.py --lr 3e-4', 'no shell'],
    ['exec train-wrapper --work-dir "$SLURM_SUBMIT_DIR" -- srun python train.py', 'in an sbatch script'],
    ['HPC_RUN_WORK_DIR=~/bert HPC_RUN_COMMAND="python train.py" train-wrapper', 'from variables'],
  ],
  environment: [['HPC_RUN_STATE_DIR', 'where runs are registered for the monitor (default ~/.local/state/hpc-run)']],
  epilog: [
    "A flag beats its HPC_RUN_* variable, which beats the config's train: section.",
    "Exit status: the command's (its code; 128+N after signal N; 127 not found; 126 not executable);",
    '2 for bad flags or config, before anything runs.',
  ].join('\n'),
};
