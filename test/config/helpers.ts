import { chmodSync, cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ROOT, makeTempDir } from '../helpers/run-bin.js';

export const SEED_FIXTURE = join(ROOT, 'test', 'fixtures', 'config', 'seed');
export const SEED_KEY = 'xt-seed-fixture-key-5f3a9c';

/** A temporary directory with the given files (paths relative to it); secrets files are made private. */
export function makeProject(files: Record<string, string> = {}): { dir: string; cleanup: () => void } {
  const temp = makeTempDir('hpc-run-config-');
  writeFiles(temp.dir, files);
  return temp;
}

/** Writes files under `dir`, creating folders; `api_keys.yaml` files get mode 600. */
export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    const file = join(dir, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    if (/api_keys\.yaml$/.test(path)) chmodSync(file, 0o600);
  }
}

/** A copy of the seed's layout: `config/config.yaml` (the seed's text) and `config/api_keys.yaml` (mode 600). */
export function makeSeedProject(): { dir: string; cleanup: () => void } {
  const temp = makeTempDir('hpc-run-seed-');
  cpSync(SEED_FIXTURE, temp.dir, { recursive: true });
  chmodSync(join(temp.dir, 'config', 'api_keys.yaml'), 0o600);
  return temp;
}

/** An environment with nothing from the caller: a home without config, plus `extra`. */
export function bareEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { HOME: home, ...extra };
}
