import { createLogger, type Logger } from '../common/logger.js';
import { spoolDir } from '../common/paths.js';
import { VERSION } from '../common/version.js';
import { runCli } from './error-boundary.js';
import { parseMonitorArgs } from '../monitor/options.js';
import { runMonitor } from '../monitor/run.js';
import { OPS_COMMANDS, runOpsCommand } from '../ops/cli.js';

/** `train-monitor`: parse, route the subcommands, run the monitor; the one error boundary maps errors to exit codes. */
export async function main(argv: string[]): Promise<void> {
  await runCli('train-monitor', async () => {
    const env = process.env;
    if (argv[0] === 'clean') {
      const { parseCleanArgs } = await import('../retention/args.js');
      const { runClean } = await import('../retention/run.js');
      const { stateDir } = await import('../common/paths.js');
      const options = parseCleanArgs(argv.slice(1), process.cwd());
      const logger = createLogger({ prefix: 'train-monitor' });
      return runClean(options, { spool: spoolDir(env), stateDir: stateDir(env), logger, now: Date.now });
    }
    if (argv[0] === 'serve') {
      const { parseServeArgs } = await import('../serve/args.js');
      const { runServe } = await import('../serve/run.js');
      return runServe(parseServeArgs(argv.slice(1), process.cwd()), { env, logger: createLogger({ prefix: 'train-monitor' }) });
    }
    if (OPS_COMMANDS.has(argv[0] ?? '')) {
      // status, follow, stop (lib/ops): their own flags, no config needed.
      const quiet = argv.includes('--quiet') || /^(1|true|yes|on)$/i.test(env.HPC_RUN_QUIET ?? '');
      return runOpsCommand(argv[0], argv.slice(1), { env, cwd: process.cwd(), logger: createLogger({ prefix: 'train-monitor', quiet }) });
    }
    const args = await parseMonitorArgs(argv, env, process.cwd());
    if (args.kind === 'help') {
      process.stdout.write(`${args.text}\n`);
      return 0;
    }
    if (args.kind === 'version') {
      process.stdout.write(`${VERSION}\n`);
      return 0;
    }
    const logger: Logger = createLogger({ prefix: 'train-monitor', quiet: args.quiet });
    if (args.kind === 'test') {
      const { runTestCommand } = await import('../doctor/test-command.js');
      return runTestCommand({ configPath: args.configPath, channel: args.channel, env, logger });
    }
    if (args.kind === 'doctor') {
      const { runDoctor } = await import('../doctor/doctor.js');
      return runDoctor({ configPath: args.configPath, env, logger });
    }
    return runMonitor(args, { env, cwd: process.cwd(), logger, spool: spoolDir(env) });
  });
}
