import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { isPidDead } from '../delivery/claim-name.js';
import { EXIT_USAGE, HpcRunError, errnoCode } from '../common/errors.js';
import { stateDir } from '../common/paths.js';

/** A second long-running monitor for the same spool or work dir. */
export class MonitorLockedError extends HpcRunError {
  constructor(message: string) {
    super('E_LOCKED', message, { exitCode: EXIT_USAGE });
  }
}

/** The state dir cannot be written (full disk, read-only, no permission): one line, exit 2, nothing started. */
export class StateDirError extends HpcRunError {
  constructor(dir: string, code: string) {
    const why =
      code === 'ENOSPC'
        ? 'the disk is full'
        : code === 'EROFS'
          ? 'the file system is read-only'
          : code === 'EACCES' || code === 'EPERM'
            ? 'no permission'
            : code;
    super('E_STATE_DIR', `cannot write the state dir ${dir} (${why}); free space there or point HPC_RUN_STATE_DIR at a writable place`, {
      exitCode: EXIT_USAGE,
    });
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
export async function acquireMonitorLocks(
  places: Array<{ key: string; label: string }>,
  env: NodeJS.ProcessEnv,
  onLost: (label: string) => void,
): Promise<() => Promise<void>> {
  const { lock } = await import('proper-lockfile');
  const releases: Array<() => Promise<void>> = [];
  const releaseAll = async () => {
    for (const release of releases.splice(0)) await release().catch(() => undefined);
  };
  let current = places[0];
  try {
    await mkdir(join(stateDir(env), 'locks'), { recursive: true });
    for (const place of places) {
      current = place;
      const lockfilePath = monitorLockPath(place.key, env);
      const take = () =>
        lock(place.key, {
          realpath: false,
          lockfilePath,
          stale: 60_000,
          update: 15_000,
          retries: 0,
          onCompromised: () => onLost(place.label),
        });
      let release: () => Promise<void>;
      try {
        release = await take();
      } catch (error) {
        // A holder that is dead on this very host gives its lock up at once (not after the 60 s staleness).
        if (errnoCode(error) !== 'ELOCKED' || !(await takeOverDeadHolder(lockfilePath))) throw error;
        release = await take();
      }
      const owner = `${lockfilePath}.owner`;
      releases.push(async () => {
        await unlink(owner).catch(() => undefined);
        await release();
      });
      await writeFile(owner, JSON.stringify({ host: hostname(), pid: process.pid, since: new Date().toISOString(), place: place.label }));
    }
  } catch (error) {
    await releaseAll();
    const code = errnoCode(error);
    if (code === 'ELOCKED') {
      const failed = current;
      const holder = await readOwner(`${monitorLockPath(failed.key, env)}.owner`);
      throw new MonitorLockedError(
        `another train-monitor${holder} is already watching ${failed.label}; stop it first, or use --once beside it (e.g. from cron)`,
      );
    }
    if (code && ['ENOSPC', 'EROFS', 'EACCES', 'EPERM', 'EDQUOT'].includes(code)) throw new StateDirError(stateDir(env), code);
    throw error;
  }
  return releaseAll;
}

// Moves the lock of a holder that ran on this host and is dead out of the way (one rename: one taker wins).
async function takeOverDeadHolder(lockfilePath: string): Promise<boolean> {
  try {
    const owner = JSON.parse(await readFile(`${lockfilePath}.owner`, 'utf8')) as { host?: string; pid?: number };
    if (owner.host !== hostname() || typeof owner.pid !== 'number' || owner.pid === process.pid || !isPidDead(owner.pid)) return false;
    const aside = `${lockfilePath}.dead-${owner.pid}-${randomBytes(4).toString('hex')}`;
    await rename(lockfilePath, aside);
    await rm(aside, { recursive: true, force: true });
    return true;
  } catch {
    return false;
  }
}

async function readOwner(path: string): Promise<string> {
  try {
    const owner = JSON.parse(await readFile(path, 'utf8')) as { host?: string; pid?: number };
    return ` (pid ${owner.pid} on ${owner.host})`;
  } catch {
    return '';
  }
}
