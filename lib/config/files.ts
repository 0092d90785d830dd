import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { errnoCode } from '../common/errors.js';
import { PACKAGE_ROOT } from '../common/version.js';
import { SEARCH_PATHS } from './defaults.js';
import { ProblemList } from './issues.js';
import { closestWord } from './suggest.js';

export interface LoadOptions {
  /** `--config FILE`: must exist. */
  configPath?: string;
  env?: NodeJS.ProcessEnv;
  /** The directory relative paths are resolved against (default: the process's). */
  cwd?: string;
  /** `train`: read and check only `train:` (the wrapper without `--notify`). */
  only?: 'train';
}

/** Where the configuration came from. */
export type ConfigSource = '--config' | '$HPC_RUN_CONFIG' | 'config/config.yaml' | 'beside the tool' | '~/.config/hpc-run/config.yaml';

/** A config file that was found but not used, and why (shown by `doctor`). */
export interface SkippedFile {
  file: string;
  reason: string;
}

/** Result of reading a YAML file: `ok` false when it could not be read or parsed (a problem was recorded). */
export type YamlRead = { ok: true; data: unknown } | { ok: false };

/** `~` and `~/x` become the home directory; other paths resolve against `base`. */
export function resolveUserPath(path: string, base: string, env: NodeJS.ProcessEnv): string {
  if ((path === '~' || path.startsWith('~/')) && env.HOME) return join(env.HOME, path.slice(1));
  return isAbsolute(path) ? resolve(path) : resolve(base, path);
}

/**
 * The config file to load, in search order: `--config`, `$HPC_RUN_CONFIG`, `./config/config.yaml` when it has a
 * `notification` section (a project's own config/config.yaml, e.g. Hydra's, is skipped), `config/config.yaml`
 * beside the installed tool (the earlier tool's layout), `$XDG_CONFIG_HOME/hpc-run/config.yaml` or
 * `~/.config/hpc-run/config.yaml`; null for the built-in defaults. A file named by `--config` or
 * `$HPC_RUN_CONFIG` that does not exist is a problem (and `failed` is set).
 */
export async function locateConfigFile(
  options: LoadOptions,
  problems: ProblemList,
): Promise<{ file: string | null; source: ConfigSource | null; failed: boolean; skipped: SkippedFile[] }> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const skipped: SkippedFile[] = [];
  const named: Array<[string | undefined, ConfigSource]> = [
    [options.configPath, '--config'],
    [env.HPC_RUN_CONFIG, '$HPC_RUN_CONFIG'],
  ];
  for (const [path, source] of named) {
    if (path === undefined || path === '') continue;
    const file = resolveUserPath(path, cwd, env);
    const reason = await whyNotAFile(file);
    if (reason) {
      problems.error(undefined, `cannot read the config file named by ${source}: ${reason}`, {
        file,
        hint: 'check the path, or leave it out to use config/config.yaml or ~/.config/hpc-run/config.yaml',
      });
      return { file, source, failed: true, skipped };
    }
    return { file, source, failed: false, skipped };
  }
  const local = resolve(cwd, SEARCH_PATHS.local);
  if (await exists(local)) {
    const reason = await whyNotOurs(local);
    if (reason === undefined) return { file: local, source: 'config/config.yaml', failed: false, skipped };
    skipped.push({ file: local, reason });
  }
  const root = PACKAGE_ROOT;
  const userBase = env.XDG_CONFIG_HOME ? join(env.XDG_CONFIG_HOME, 'hpc-run', 'config.yaml') : undefined;
  const candidates: Array<[string | undefined, ConfigSource]> = [
    [root === null ? undefined : join(root, SEARCH_PATHS.local), 'beside the tool'],
    [userBase ?? (env.HOME ? join(env.HOME, SEARCH_PATHS.user) : undefined), '~/.config/hpc-run/config.yaml'],
  ];
  for (const [file, source] of candidates) {
    if (file !== undefined && file !== local && (await exists(file))) return { file, source, failed: false, skipped };
  }
  return { file: null, source: null, failed: false, skipped };
}

// Undefined when the current dir's config/config.yaml is ours (it has a `notification` section), else why not.
async function whyNotOurs(file: string): Promise<string | undefined> {
  const read = await readYamlFile(file, 'config file', new ProblemList(file));
  if (!read.ok) return 'it cannot be read as YAML, so it is taken for another program\'s config';
  const data = read.data;
  const keys = typeof data === 'object' && data !== null && !Array.isArray(data) ? Object.keys(data) : [];
  if (keys.includes('notification')) return undefined;
  const near = closestWord('notification', keys);
  return near
    ? `it has no 'notification' section ('${near}' is not one: did you mean 'notification'?)`
    : "it has no 'notification' section, so it is taken for another program's config (e.g. Hydra's)";
}


/** Reads and parses one YAML file; a read or syntax error becomes a problem naming the file (and line). */
export async function readYamlFile(file: string, what: string, problems: ProblemList): Promise<YamlRead> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    problems.error(undefined, `cannot read the ${what}: ${describeErrno(error)}`, { file });
    return { ok: false };
  }
  // Loaded here, not at start-up: most monitor passes read no YAML at all.
  const { default: yaml } = await import('js-yaml');
  try {
    return { ok: true, data: yaml.load(text, { filename: file }) };
  } catch (error) {
    if (error instanceof yaml.YAMLException) {
      // The reason only: js-yaml's full message quotes the source line, which may hold a secret.
      const mark = error.mark;
      problems.syntax(file, (mark?.line ?? 0) + 1, (mark?.column ?? 0) + 1, `invalid YAML: ${error.reason}`);
      return { ok: false };
    }
    throw error;
  }
}

/** Plain words for a file-system error. */
export function describeErrno(error: unknown): string {
  const code = errnoCode(error);
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory, not a file';
  if (code === 'ENOTDIR') return 'a part of the path is not a directory';
  return code ?? (error instanceof Error ? error.message : String(error));
}

// Undefined when `file` is a readable regular file, else the reason in plain words.
async function whyNotAFile(file: string): Promise<string | undefined> {
  try {
    const info = await stat(file);
    if (info.isDirectory()) return 'it is a directory, not a file';
    return undefined;
  } catch (error) {
    return describeErrno(error);
  }
}

/** True when something exists at `file` (a file there that cannot be read is then reported by the reader). */
export async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}
