import { createLogger } from '../common/logger.js';
import { VERSION } from '../common/version.js';
import { parseWrapperArgs } from '../wrapper/args.js';
import { normalizeWrapperOptions } from '../wrapper/options.js';
import { runWrapper } from '../wrapper/run.js';
import { runCli } from './error-boundary.js';
import { applyLogFormat } from './log-format.js';

/** `train-wrapper`: parse, load the config, validate everything, then run the command and exit with its status. */
export async function main(argv: string[]): Promise<void> {
  // The config loader is fetched while the command line is parsed (one module-loader round less before the command).
  const configModule = import('../config/wrapper.js');
  configModule.catch(() => undefined); // awaited below, where a failure reaches the error boundary
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
    // Only `train:` (and the channels with --notify) is read; a problem elsewhere is a warning, never a refusal.
    const { loadWrapperConfig } = await configModule;
    const where = { configPath: parsed.values.text('config')?.value, env, cwd: process.cwd() };
    const trainOnly = await loadWrapperConfig({ ...where, notify: false });
    const options = normalizeWrapperOptions(parsed.values, trainOnly.train);
    const { config, warnings } = options.notify ? await loadWrapperConfig({ ...where, notify: true }) : trainOnly;
    const logger = createLogger({ prefix: 'train-wrapper', quiet: options.quiet });
    for (const warning of warnings) logger.warn(warning);
    return runWrapper(options, { env, logger, config });
  });
}
