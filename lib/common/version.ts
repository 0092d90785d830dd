import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Walks up from this module to the package's own package.json: from lib/ (tests), a bundle in dist/, or a chunk.
function findPackage(): { root: string | null; version: string } {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i += 1) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'hpc-run') return { root: dir, version: pkg.version ?? '0.0.0' };
    } catch {
      // not here; keep walking up
    }
    dir = dirname(dir);
  }
  return { root: null, version: '0.0.0' };
}

const found = findPackage();

export const VERSION = found.version;

/** The installed tool's own folder (where its package.json is), or null when it cannot be found. */
export const PACKAGE_ROOT = found.root;
