import { HpcRunError } from '../common/errors.js';

/**
 * The one error boundary of a process: a known error prints one line (and its fix) and exits with its code;
 * anything else is a bug, so the stack is printed and the exit status is 1.
 */
export async function runCli(program: string, main: () => Promise<number>): Promise<void> {
  let code: number;
  try {
    code = await main();
  } catch (error) {
    if (error instanceof HpcRunError) {
      process.stderr.write(`${program}: ${error.message}\n`);
      if (error.hint) process.stderr.write(`${program}: fix: ${error.hint}\n`);
      code = error.exitCode;
    } else {
      process.stderr.write(`${program}: internal error (please report it):\n${error instanceof Error ? error.stack : String(error)}\n`);
      code = 1;
    }
  }
  process.exitCode = code;
}
