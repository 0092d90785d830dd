import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomically } from './atomic-write.js';

/**
 * Reads, changes and writes a JSON state file under a proper-lockfile lock (atomic write, mode 600), so a cron
 * monitor beside a long-running one never loses the other's changes. With `persist: false` (dry run) the change
 * is computed on what is read and nothing is written.
 */
export async function updateLockedJson<S, T>(
  path: string,
  read: () => Promise<S>,
  change: (state: S) => T,
  options: { persist: boolean },
): Promise<T> {
  if (!options.persist) return change(await read());
  await mkdir(dirname(path), { recursive: true });
  const { lock } = await import('proper-lockfile');
  const release = await lock(path, {
    realpath: false,
    stale: 10_000,
    retries: { retries: 60, minTimeout: 20, maxTimeout: 250, factor: 1.5 },
    onCompromised: () => undefined,
  });
  try {
    const state = await read();
    const result = change(state);
    await writeFileAtomically(path, `${JSON.stringify(state)}\n`, { mode: 0o600 });
    return result;
  } finally {
    await release().catch(() => undefined);
  }
}
