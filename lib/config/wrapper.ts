import { inspectConfig, type LoadOptions } from './load.js';
import { toConfigError, type Problem } from './issues.js';
import type { Config, TrainDefaults } from './types.js';

/** What the wrapper takes from the configuration. */
export interface WrapperConfig {
  /** `train:` defaults for the wrapper's flags (empty when the file could not be read). */
  train: TrainDefaults;
  /** The whole config for `--notify`; null without `--notify`, or when anything outside `train:` has a problem. */
  config: Config | null;
  /** At most one line about problems outside `train:`, plus the warnings about what the wrapper reads. */
  warnings: string[];
}

/**
 * The configuration as the wrapper needs it: only the file named by its own flag (`--config` /
 * `$HPC_RUN_CONFIG`) and `train:` values can stop it (a ConfigError, exit 2). A problem anywhere else (bad
 * YAML, a channel, a missing secrets file) never stops the command: it is one warning, and `--notify` then
 * leaves the marker for a monitor. Without `--notify` the notification settings are not read at all.
 */
export async function loadWrapperConfig(options: LoadOptions & { notify: boolean }): Promise<WrapperConfig> {
  const found = await inspectConfig({ ...options, only: options.notify ? undefined : 'train' });
  const inTrain = (p: Problem) => p.file === found.file && p.key !== undefined && (p.key === 'train' || p.key.startsWith('train.'));
  const fatal = found.locateFailed ? found.problems : found.problems.filter(inTrain);
  if (fatal.length > 0) {
    const more = fatal.length > 1 ? ` (and ${fatal.length - 1} more in train:)` : '';
    throw toConfigError(fatal[0], found.redact, more);
  }
  const others = found.problems.filter((p) => !inTrain(p));
  const warnings = options.notify ? [...found.warnings] : found.warnings.filter((w) => /(^|: )train(\.|\s)/.test(w));
  if (others.length > 0) {
    const first = toConfigError(others[0], found.redact).message;
    const more = others.length > 1 ? ` (and ${others.length - 1} more)` : '';
    const consequence = options.notify
      ? '; the command runs, and --notify leaves the marker for train-monitor to deliver'
      : '; the command runs';
    warnings.unshift(`config: ${first}${more}${consequence} (train-monitor doctor shows every problem)`);
  }
  return {
    train: found.config?.train ?? {},
    config: options.notify && others.length === 0 ? found.config : null,
    warnings,
  };
}
