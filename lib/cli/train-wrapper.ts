import { createLogger } from '../common/logger.js';
import { VERSION } from '../common/version.js';
import { parseWrapperArgs } from '../wrapper/args.js';
import { normalizeWrapperOptions } from '../wrapper/options.js';
import { runWrapper } from '../wrapper/run.js';
import { runCli } from './error-boundary.js';
import { applyLogFormat } from './log-format.js';

/** `train-wrapper`: parse, load the config, validate everything, then run the command and exit with its status. */
export async function main(argv: string[]): Promise<void> {
  await runCli('train-wrapper', async () => {
    const env = process.env;
    const parsed = await parseWrapperArgs(argv, env);
    if (parsed.kind === 'help') {
      process.stdout.write(`${parsed.text}\n`);
      return 0;
    }
    if (parsed.kind === 'version') {
      process.stdout.write(`${VERSION}\n`);
      return 0;
    }
    applyLogFormat(parsed.values, env);
    const { loadConfig } = await import('../config/load.js');
    const config = await loadConfig({ configPath: parsed.values.text('config')?.value, env, cwd: process.cwd() });
    const options = normalizeWrapperOptions(parsed.values, config.train);
    const logger = createLogger({ prefix: 'train-wrapper', quiet: options.quiet });
    for (const warning of config.warnings) logger.warn(warning);
    return runWrapper(options, { env, logger, config });
  });
}
