import { createHash } from 'node:crypto';
import { mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { EXIT_USAGE, HpcRunError, errnoCode } from '../common/errors.js';
import { stateDir } from '../common/paths.js';

/** A second long-running monitor for the same spool or work dir. */
export class MonitorLockedError extends HpcRunError {
  constructor(message: string) {
    super('E_LOCKED', message, { exitCode: EXIT_USAGE });
  }
}

/** The lock file for one watched place, in the state dir (work dirs stay clean). */
export function monitorLockPath(key: string, env: NodeJS.ProcessEnv): string {
  const digest = createHash('sha256').update(key).digest('hex').slice(0, 20);
  return join(stateDir(env), 'locks', `monitor-${digest}.lock`);
}

/**
 * Holds one long-running monitor per spool or work dir (proper-lockfile, refreshed while it runs). The rename
 * claim stays the real guard against duplicates; this lock only stops two loops doing the same work.
 * Throws MonitorLockedError (exit 2) naming the place and the holder when another monitor has it.
 */
export async function acquireMonitorLocks(places: Array<{ key: string; label: string }>, env: NodeJS.ProcessEnv, onLost: (label: string) => void): Promise<() => Promise<void>> {
  const { lock } = await import('proper-lockfile');
  await mkdir(join(stateDir(env), 'locks'), { recursive: true });
  const releases: Array<() => Promise<void>> = [];
  const releaseAll = async () => {
    for (const release of releases.splice(0)) await release().catch(() => undefined);
  };
  for (const place of places) {
    const lockfilePath = monitorLockPath(place.key, env);
    try {
      const release = await lock(place.key, { realpath: false, lockfilePath, stale: 60_000, update: 15_000, retries: 0, onCompromised: () => onLost(place.label) });
      const owner = `${lockfilePath}.owner`;
      await writeFile(owner, JSON.stringify({ host: hostname(), pid: process.pid, since: new Date().toISOString(), place: place.label }));
      releases.push(async () => {
        await unlink(owner).catch(() => undefined);
        await release();
      });
    } catch (error) {
      await releaseAll();
      if (errnoCode(error) !== 'ELOCKED') throw error;
      const holder = await readOwner(`${lockfilePath}.owner`);
      throw new MonitorLockedError(
        `another train-monitor${holder} is already watching ${place.label}; stop it first, or use --once beside it (e.g. from cron)`,
      );
    }
  }
  return releaseAll;
}

async function readOwner(path: string): Promise<string> {
  try {
    const owner = JSON.parse(await readFile(path, 'utf8')) as { host?: string; pid?: number };
    return ` (pid ${owner.pid} on ${owner.host})`;
  } catch {
    return '';
  }
}
