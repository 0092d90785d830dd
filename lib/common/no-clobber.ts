import { link, lstat, open, rename, unlink } from 'node:fs/promises';
import { errnoCode } from './errors.js';

// link() fails here on filesystems without hard links; then fall back to a checked rename.
const NO_LINK = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK']);

/**
 * Moves `from` to `to` without ever replacing an existing `to` (link + unlink; both atomic on NFS too).
 * Returns false when `to` already exists; `from` is then left where it was. The one no-clobber step of the code base.
 */
export async function moveNoClobber(from: string, to: string): Promise<boolean> {
  try {
    await link(from, to);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'EEXIST') return false;
    if (!code || !NO_LINK.has(code)) throw error;
    if (await pathExists(to)) return false;
    await rename(from, to);
    return true;
  }
  await unlink(from);
  return true;
}

/**
 * Creates `path` holding `text` only if no such file exists: a complete private temp file moved into place without
 * clobbering, so a reader never sees half of it. Returns false when `path` was already there; the temp never stays.
 */
// A temp name's suffix: unique enough beside the pid (and 'wx' refuses a clash anyway). Not node:crypto, whose
// loading costs every wrapper start a few milliseconds.
let counter = 0;
function uniqueSuffix(): string {
  counter += 1;
  return `${Math.floor(Math.random() * 0xffffffff).toString(16).padStart(8, '0')}${counter}`;
}

export async function createNoClobber(path: string, text: string, options: { fsync?: boolean; mode?: number } = {}): Promise<boolean> {
  const temp = `${path}.new-${process.pid}-${uniqueSuffix()}`;
  try {
    const file = await open(temp, 'wx', options.mode ?? 0o666);
    try {
      await file.writeFile(text);
      if (options.fsync ?? true) await file.sync();
    } finally {
      await file.close();
    }
    return await moveNoClobber(temp, path);
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

/** True when something (a file, a link, a dir) is at `path`. */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return false;
    throw error;
  }
}
