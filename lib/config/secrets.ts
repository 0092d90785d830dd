import { stat } from 'node:fs/promises';
import { dirname, isAbsolute } from 'node:path';
import { DEFAULTS } from './defaults.js';
import { expandVariables, isMapping, type Expansion } from './expand.js';
import { exists, readYamlFile, resolveUserPath } from './files.js';
import type { ProblemList } from './issues.js';

/** The secrets file (`api_keys.yaml`): where it is or was expected, and its `name: value` pairs. */
export interface SecretsFile {
  /** The file read, or null when none was found. */
  file: string | null;
  /** Where it was looked for (for the message when a channel then misses a key). */
  expected: string[];
  /** True when the config named it (`notification.api_keys_file`), false for the default beside the config. */
  named: boolean;
  values: Record<string, string>;
}

const NONE: SecretsFile = { file: null, expected: [], named: false, values: {} };

/**
 * Finds and reads the secrets file: `notification.api_keys_file` relative to the config file's directory, then
 * to its parent (the seed keeps `config/config.yaml` next to `api_keys_file: "config/api_keys.yaml"`);
 * without that key, `api_keys.yaml` beside the config file if present. Warns when group or others can read it.
 */
export async function loadSecretsFile(
  configFile: string | null,
  setting: unknown,
  env: NodeJS.ProcessEnv,
  problems: ProblemList,
  expansions: Expansion[],
): Promise<SecretsFile> {
  if (configFile === null) return NONE;
  if (setting !== undefined && setting !== null && typeof setting !== 'string') {
    problems.error('notification.api_keys_file', 'expected the path of the secrets file (text), e.g. "config/api_keys.yaml"');
    return NONE;
  }
  const named = typeof setting === 'string' && setting !== '';
  const expected = candidates(configFile, named ? (setting as string) : DEFAULTS.apiKeysFile, env);
  let file: string | null = null;
  for (const candidate of expected) {
    if (await exists(candidate)) {
      file = candidate;
      break;
    }
  }
  if (file === null) return { file: null, expected, named, values: {} };
  const local = problems.forFile(file);
  const read = await readYamlFile(file, 'secrets file', local);
  if (!read.ok) return { file: null, expected, named, values: {} };
  await warnIfShared(file, local);
  const data = read.data ?? {};
  if (!isMapping(data)) {
    local.error(undefined, 'expected `name: value` lines, e.g. `<channel type or name>_<setting>: "…"`');
    return { file, expected, named, values: {} };
  }
  const expanded = expandVariables(data, '', env, local, expansions) as Record<string, unknown>;
  return { file, expected, named, values: readPairs(expanded, local) };
}

// The config file's directory first, then its parent; an absolute or `~/` path is the one candidate.
function candidates(configFile: string, setting: string, env: NodeJS.ProcessEnv): string[] {
  const dir = dirname(configFile);
  if (isAbsolute(setting) || setting === '~' || setting.startsWith('~/')) return [resolveUserPath(setting, dir, env)];
  const first = resolveUserPath(setting, dir, env);
  const second = resolveUserPath(setting, dirname(dir), env);
  return first === second ? [first] : [first, second];
}

// `name: value` pairs as text; an empty value counts as absent; nested values are a problem (never echoed).
function readPairs(data: Record<string, unknown>, problems: ProblemList): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(data)) {
    if (value === null || value === undefined || value === '') continue;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') values[key] = String(value);
    else problems.error(key, 'expected a single value (text), e.g. `<channel type or name>_<setting>: "…"`');
  }
  return values;
}

// A secrets file readable by group or others gets a warning with the fix.
async function warnIfShared(file: string, problems: ProblemList): Promise<void> {
  const mode = (await stat(file)).mode & 0o777;
  if ((mode & 0o044) !== 0) {
    problems.warn(
      `${file} is readable by group or others (mode ${mode.toString(8).padStart(4, '0')}); protect it: chmod 600 ${file}`,
    );
  }
}
