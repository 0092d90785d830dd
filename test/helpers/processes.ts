import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from './run-bin.js';

/** Collects a running child's stderr as it comes (startBin only gives it at the end). */
export function liveStderr(child: ChildProcess): () => string {
  let text = '';
  child.stderr?.on('data', (d: string | Buffer) => (text += d.toString()));
  return () => text;
}

/** Waits until a child with HPC_RUN_TEST_PAUSE_AT=<step> says it stopped itself there. */
export async function waitForPause(stderr: () => string, step: string): Promise<void> {
  await waitFor(() => stderr().includes(`test pause at ${step}`), 30000);
}

/** True while a process with this pid exists (EPERM: it exists, under another user). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A dead pid on this host (far above the usual pid range, checked). */
export function deadPid(): number {
  for (let pid = 4_194_000; ; pid -= 1) {
    if (!isAlive(pid)) return pid;
  }
}

/** Whether this process may mount a small tmpfs (root in the test container) to make a disk run full. */
export const CAN_MOUNT = (() => {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('mount', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** Mounts a tmpfs of `kb` KiB at `dir`; returns fill (to make it full) and unmount. */
export function mountSmallDisk(dir: string, kb: number): { fill(): void; free(): void; unmount(): void } {
  mkdirSync(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${kb}k`, 'tmpfs', dir]);
  const filler = join(dir, 'filler');
  return {
    fill() {
      try {
        writeFileSync(filler, Buffer.alloc(kb * 1024));
      } catch {
        // ENOSPC: the disk is full now, which is the point.
      }
    },
    free() {
      writeFileSync(filler, '');
    },
    unmount() {
      execFileSync('umount', ['-l', dir]);
    },
  };
}
