import { InternalError } from '../common/errors.js';
import { createLogger } from '../common/logger.js';
import { VERSION } from '../common/version.js';
import { parseCommandLine } from './command-line.js';
import { runCli } from './error-boundary.js';
import { applyLogFormat } from './log-format.js';
import { FlagValues } from './flag-values.js';
import { MONITOR_PROGRAM } from './monitor-flags.js';

/** `train-monitor`: parse from the flag table, then run the command the table names; the one error boundary maps errors to exit codes. */
export async function main(argv: string[]): Promise<void> {
  await runCli('train-monitor', async () => {
    const env = process.env;
    const parsed = await parseCommandLine(MONITOR_PROGRAM, argv);
    if (parsed.kind === 'help') {
      process.stdout.write(`${parsed.text}\n`);
      return 0;
    }
    if (parsed.kind === 'version') {
      process.stdout.write(`${VERSION}\n`);
      return 0;
    }
    const values = new FlagValues(MONITOR_PROGRAM, parsed.line, env);
    applyLogFormat(values, env);
    const logger = createLogger({ prefix: 'train-monitor', quiet: values.bool('quiet').value });
    const command = MONITOR_PROGRAM.commands[parsed.line.command];
    if (!command?.run) throw new InternalError('E_NO_RUNNER', `train-monitor: no runner for command '${parsed.line.command}'`);
    return command.run({ values, positionals: parsed.line.positionals, env, cwd: process.cwd(), logger });
  });
}
