import { FlagError } from '../common/errors.js';
import { LOG_FORMATS, type LogFormat } from '../common/logger.js';
import type { FlagValues } from './flag-values.js';

/**
 * Reads `--log-format` (or `HPC_RUN_LOG_FORMAT`), checks it, and records it in the environment so that every logger
 * and the error boundary of this process write the same format.
 */
export function applyLogFormat(values: FlagValues, env: NodeJS.ProcessEnv): LogFormat {
  const given = values.text('log-format');
  if (given === undefined) return 'text';
  const format = given.value.trim().toLowerCase();
  if (!(LOG_FORMATS as readonly string[]).includes(format)) {
    throw new FlagError('E_FLAG_VALUE', `${given.source.name} must be text or json, got '${given.value}'`, { source: given.source });
  }
  env.HPC_RUN_LOG_FORMAT = format;
  return format as LogFormat;
}
