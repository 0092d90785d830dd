import { randomBytes } from 'node:crypto';
import { link, lstat, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { errnoCode } from '../common/errors.js';

// link() fails here on filesystems without hard links; then fall back to a checked rename.
const NO_LINK = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK']);

/**
 * Moves `from` to `to` without ever replacing an existing `to` (link + unlink; both atomic on NFS too).
 * Returns false when `to` already exists; `from` is then left where it was.
 */
export async function moveNoClobber(from: string, to: string): Promise<boolean> {
  try {
    await link(from, to);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'EEXIST') return false;
    if (!code || !NO_LINK.has(code)) throw error;
    if (await exists(to)) return false;
    await rename(from, to);
    return true;
  }
  await unlink(from);
  return true;
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return false;
    throw error;
  }
}

/**
 * Puts a claimed marker back under its marker name for a later pass. If a new run wrote the same plain name
 * meanwhile, the old one goes back under a distinct name that still matches MARKER_NAME, so neither is lost.
 */
export async function releaseClaimTo(claimPath: string, markerPath: string): Promise<string> {
  if (await moveNoClobber(claimPath, markerPath)) return markerPath;
  const name = basename(markerPath).replace(/\.json$/, `.retry-${randomBytes(4).toString('hex')}.json`);
  const alternative = join(dirname(markerPath), name);
  await rename(claimPath, alternative);
  return alternative;
}

/** Moves a corrupt marker aside to `<marker>.bad` (or `<marker>.<n>.bad`), never deleting anything. */
export async function moveToBad(from: string, markerPath: string): Promise<string> {
  for (let n = 1; n < 1000; n += 1) {
    const target = n === 1 ? `${markerPath}.bad` : `${markerPath}.${n}.bad`;
    if (await moveNoClobber(from, target)) return target;
  }
  throw new Error(`too many ${markerPath}.*.bad files`);
}
