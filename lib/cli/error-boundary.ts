import { HpcRunError } from '../common/errors.js';
import { formatLogLine, logFormatFromEnv } from '../common/logger.js';

/**
 * The one error boundary of a process: a known error prints one line (and its fix) and exits with its code;
 * anything else is a bug, so the stack is printed and the exit status is 1. With `HPC_RUN_LOG_FORMAT=json`
 * (which `--log-format json` sets) both are one JSON object per line.
 */
export async function runCli(program: string, main: () => Promise<number>): Promise<void> {
  let code: number;
  try {
    code = await main();
  } catch (error) {
    const json = logFormatFromEnv() === 'json';
    if (error instanceof HpcRunError) {
      if (json) {
        process.stderr.write(
          formatLogLine('json', program, 'error', error.message, { code: error.code, ...(error.hint ? { fix: error.hint } : {}) }),
        );
      } else {
        process.stderr.write(`${program}: ${error.message}\n`);
        if (error.hint) process.stderr.write(`${program}: fix: ${error.hint}\n`);
      }
      code = error.exitCode;
    } else {
      const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
      if (json) process.stderr.write(formatLogLine('json', program, 'error', 'internal error (please report it)', { stack }));
      else process.stderr.write(`${program}: internal error (please report it):\n${stack}\n`);
      code = 1;
    }
  }
  process.exitCode = code;
}
