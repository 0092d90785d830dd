import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

/**
 * The executable file `command` names, found as execvp would find it: a name with a slash is itself; otherwise
 * the first executable regular file of that name in the directories of `path` (a PATH value; an empty entry is
 * the current dir). With `absoluteOnly`, relative entries are skipped (for a path written into a crontab). Null
 * when there is none, so that a caller can skip a spawn that would only fail.
 */
export function findOnPath(command: string, path: string | undefined, options: { absoluteOnly?: boolean } = {}): string | null {
  if (command.includes('/')) return isExecutableFile(command) ? command : null;
  for (const dir of (path ?? '').split(delimiter)) {
    if (options.absoluteOnly && !isAbsolute(dir)) continue;
    const candidate = join(resolve(dir || '.'), command);
    if (isExecutableFile(candidate)) return candidate;
  }
  return null;
}

function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
