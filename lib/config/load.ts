import { stat } from 'node:fs/promises';
import type { ConfigError } from '../common/errors.js';
import { normalizeChannels } from './channels.js';
import { expandVariables, isMapping, type Expansion } from './expand.js';
import { locateConfigFile, readYamlFile, type ConfigSource, type LoadOptions, type SkippedFile } from './files.js';
import { ProblemList, toConfigError, type Problem } from './issues.js';
import { createRedactor } from './redact.js';
import { unknownKeyMessage } from './suggest.js';
import { loadSecretsFile } from './secrets.js';
import { normalizeDigest, normalizeMonitor, normalizeRetention, normalizeReport, normalizeTrain, normalizeWatch } from './sections.js';
import type { Config } from './types.js';

export { createRedactor } from './redact.js';
export type { ConfigSource, LoadOptions, SkippedFile } from './files.js';

/** What `train-monitor doctor` shows: every problem at once, and the warnings. */
export interface ConfigCheck {
  /** Null only when no config file could be read or parsed; otherwise everything that was valid. */
  config: Config | null;
  /** The config file found (or named), null for the built-in defaults. */
  file: string | null;
  /** How the file was found (`--config`, …, `beside the tool`), null for the built-in defaults. */
  source: ConfigSource | null;
  /** Files found on the search path but not used, and why. */
  skipped: SkippedFile[];
  /** The secrets file read (its permissions are checked), null when none was found. */
  secretsFile: string | null;
  errors: ConfigError[];
  warnings: string[];
}

const TOP_LEVEL = ['notification', 'report', 'train', 'watch', 'monitor', 'digest', 'retention'];

/** Everything one check found, problems still raw (secrets are redacted when they become errors). */
export interface Inspection {
  config: Config | null;
  file: string | null;
  source: ConfigSource | null;
  skipped: SkippedFile[];
  /** The file named by `--config` or `$HPC_RUN_CONFIG` does not exist or is not a file. */
  locateFailed: boolean;
  secretsFile: string | null;
  problems: Problem[];
  warnings: string[];
  redact: (text: string) => string;
}

/** Finds, reads and checks the configuration, collecting every problem instead of stopping at the first. */
export async function checkConfig(options: LoadOptions = {}): Promise<ConfigCheck> {
  const found = await inspectConfig(options);
  const errors = found.problems.map((problem) => toConfigError(problem, found.redact));
  const { config, file, source, skipped, secretsFile, warnings } = found;
  return { config, file, source, skipped, secretsFile, errors, warnings };
}

/** The configuration, every default filled in; throws the first ConfigError (saying how many more there are). */
export async function loadConfig(options: LoadOptions = {}): Promise<Config> {
  const found = await inspectConfig(options);
  const count = found.problems.length;
  if (count > 0 || found.config === null) {
    const more = count > 1 ? ` (and ${count - 1} more problem${count > 2 ? 's' : ''}: 'train-monitor doctor' lists them all)` : '';
    throw toConfigError(found.problems[0], found.redact, more);
  }
  return found.config;
}

/** The whole check: locate, parse, expand `${VAR}`, read secrets, normalise every section, redact messages. */
export async function inspectConfig(options: LoadOptions): Promise<Inspection> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const top = new ProblemList();
  const located = await locateConfigFile(options, top);
  const { source, skipped } = located;
  const noConfig = (file: string | null): Inspection => ({
    config: null, file, source, skipped, locateFailed: located.failed, secretsFile: null,
    problems: top.problems, warnings: top.warnings, redact: (t) => t,
  });
  if (located.failed) return noConfig(located.file);
  const file = located.file;
  const problems = file ? top.forFile(file) : top;
  let raw: Record<string, unknown> = {};
  if (file) {
    const read = await readYamlFile(file, 'config file', problems);
    if (!read.ok) return noConfig(file);
    const data = read.data ?? {};
    if (!isMapping(data)) {
      problems.error(undefined, 'expected settings at the top level (notification:, report:, …), not a single value or a list');
      return noConfig(file);
    }
    raw = data;
  }
  // The wrapper without --notify reads `train:` alone: nothing else can warn or fail there.
  if (options.only === 'train') raw = raw.train === undefined ? {} : { train: raw.train };
  for (const key of Object.keys(raw)) {
    if (!TOP_LEVEL.includes(key)) problems.warn(`${file}: ${unknownKeyMessage(key, key, TOP_LEVEL)}`);
  }
  const expansions: Expansion[] = [];
  const tree = expandVariables(raw, '', env, problems, expansions) as Record<string, unknown>;
  const notification = tree.notification;
  const secretExpansions: Expansion[] = [];
  const secretsSetting = isMapping(notification) ? notification.api_keys_file : undefined;
  const secretsFile = await loadSecretsFile(options.only === 'train' ? null : file, secretsSetting, env, problems, secretExpansions);
  const channels = await normalizeChannels(notification, raw.notification, secretsFile, problems);
  const train = normalizeTrain(tree.train, cwd, env, problems);
  const config: Config = {
    file,
    channels: channels.channels,
    report: normalizeReport(tree.report, problems),
    train,
    watch: normalizeWatch(tree.watch, tree.monitor, train, cwd, env, problems),
    monitor: normalizeMonitor(tree.monitor, problems),
    digest: normalizeDigest(tree.digest, problems),
    retention: normalizeRetention(tree.retention, problems),
    secrets: [],
    warnings: [],
    noChannelConfigured: channels.byDefault,
  };
  const inSecretField = (path: string) =>
    channels.secretPaths.some((p) => path === p || path.startsWith(`${p}.`) || path.startsWith(`${p}[`));
  const secrets = [
    ...Object.values(secretsFile.values),
    ...channels.secrets,
    ...secretExpansions.map((e) => e.value),
    ...expansions.filter((e) => inSecretField(e.path)).map((e) => e.value),
  ];
  config.secrets = [...new Set(secrets.filter((s) => s !== ''))];
  if (file && channels.inlineSecretPaths.length > 0) await warnInlineSecrets(file, channels.inlineSecretPaths, problems);
  const redact = createRedactor(config.secrets);
  config.warnings = problems.warnings.map(redact);
  const secretsPath = secretsFile.file;
  return {
    config,
    file,
    source,
    skipped,
    locateFailed: false,
    secretsFile: secretsPath,
    problems: problems.problems,
    warnings: config.warnings,
    redact,
  };
}

// Secrets written into a config file that group or others can read: say which, and how to protect them.
async function warnInlineSecrets(file: string, paths: string[], problems: ProblemList): Promise<void> {
  const mode = (await stat(file)).mode & 0o777;
  if ((mode & 0o044) === 0) return;
  problems.warn(
    `${file} holds secrets (${paths.join(', ')}) and is readable by group or others (mode ${mode.toString(8).padStart(4, '0')}); ` +
      `protect it: chmod 600 ${file}, or move them to the secrets file`,
  );
}
