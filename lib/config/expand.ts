import type { ProblemList } from './issues.js';

/** One `${VAR}` that was replaced: where, and the value it brought (a secret when it lands in a secret field). */
export interface Expansion {
  path: string;
  value: string;
}

// `$${` is a literal `${`; `${NAME}` and `${NAME:-default}` read the environment.
const REFERENCE = /\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** Child key path: `a.b`, `a[0]`. */
export function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

/**
 * Key paths left as written: `train.command` runs through `/bin/sh -c`, which expands `${VAR}` itself on the
 * compute node (a job's `${SLURM_JOB_ID}` must not be an error when the monitor loads the same file).
 */
export const UNEXPANDED_PATHS = new Set(['train.command']);

/**
 * Replaces `${VAR}` and `${VAR:-default}` in every string value of a parsed YAML tree (keys stay as written).
 * An unset variable without a default is a problem naming the key path and the variable; the value stays empty.
 */
export function expandVariables(
  value: unknown,
  path: string,
  env: NodeJS.ProcessEnv,
  problems: ProblemList,
  expansions: Expansion[],
): unknown {
  if (UNEXPANDED_PATHS.has(path)) return value;
  if (typeof value === 'string') return expandString(value, path, env, problems, expansions);
  if (Array.isArray(value)) return value.map((item, i) => expandVariables(item, childPath(path, i), env, problems, expansions));
  if (isMapping(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = expandVariables(v, childPath(path, k), env, problems, expansions);
    return out;
  }
  return value;
}

// One string: every reference replaced, each replacement recorded with the key path it belongs to.
function expandString(text: string, path: string, env: NodeJS.ProcessEnv, problems: ProblemList, expansions: Expansion[]): string {
  if (!text.includes('${')) return text;
  return text.replace(REFERENCE, (whole, escaped: string, name: string, fallback: string | undefined) => {
    if (escaped) return whole.slice(1);
    const found = env[name];
    if (found !== undefined && !(found === '' && fallback !== undefined)) {
      expansions.push({ path, value: found });
      return found;
    }
    if (fallback !== undefined) {
      expansions.push({ path, value: fallback });
      return fallback;
    }
    problems.error(path, `environment variable ${name} is not set (used as \${${name}})`, {
      hint: `export ${name}=… before starting, or give a default: \${${name}:-value}`,
    });
    return '';
  });
}

/** A YAML mapping (plain object), not a list, date or null. */
export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}
