import { close, constants, fstat, open, read, type Stats } from 'node:fs';
import { promisify } from 'node:util';

// Plain file descriptors through the callback API, for reads that run once per run (`status` and the status page
// over thousands of runs). A FileHandle costs an object per file and its close bookkeeping, which outweighs the
// read itself: 1,000 heartbeats, 64 at a time, took about 40 ms this way against about 120 ms through FileHandles.

/**
 * Read-only, refusing a final symlink (O_NOFOLLOW), and O_NONBLOCK so that a FIFO swapped in behind our back
 * cannot hang the open.
 */
export const READ_SAFE = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

export const openFd: (path: string, flags: number) => Promise<number> = promisify(open);
export const fstatFd: (fd: number) => Promise<Stats> = promisify(fstat);
const readRaw = promisify(read);
const closeRaw = promisify(close);

/** Reads up to `length` bytes at `position` into `buffer` from its start; returns the count read. */
export async function readFd(fd: number, buffer: Buffer, length: number, position: number): Promise<number> {
  return (await readRaw(fd, buffer, 0, length, position)).bytesRead;
}

/** Closes a descriptor; a failing close of a read-only descriptor loses nothing, so it is not an error. */
export function closeFd(fd: number): Promise<void> {
  return closeRaw(fd).catch(() => undefined);
}

/**
 * The whole of a small regular file, opened as READ_SAFE: null when it is not a regular file or `accept` refuses
 * its stat (an owner check). Reads until end of file, so a file that grew since the stat is read whole.
 */
export async function readSmallFile(path: string, accept: (info: Stats) => boolean = () => true): Promise<string | null> {
  const fd = await openFd(path, READ_SAFE);
  try {
    const info = await fstatFd(fd);
    if (!info.isFile() || !accept(info)) return null;
    const chunks: Buffer[] = [];
    let position = 0;
    for (;;) {
      // One byte more than the stat said: a short read then proves the end (small sizes come from Node's buffer
      // pool). A file that grew past its stat is read on in 64 KiB steps.
      const buffer = Buffer.allocUnsafe(position < info.size ? info.size - position + 1 : 64 * 1024);
      const got = await readFd(fd, buffer, buffer.length, position);
      chunks.push(buffer.subarray(0, got));
      position += got;
      if (got < buffer.length) break; // a short read of a regular file is its end: no read of 0 bytes to confirm it
    }
    return Buffer.concat(chunks).toString('utf8');
  } finally {
    await closeFd(fd);
  }
}
