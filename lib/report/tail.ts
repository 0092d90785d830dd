import { closeFd, fstatFd, openFd, READ_SAFE, readFd } from '../common/fd.js';

/** Default read size per step backwards from the end of the log. */
export const TAIL_CHUNK_BYTES = 64 * 1024;
/** Default ceiling on what one tail read may load, however long the lines are. */
export const TAIL_MAX_BYTES = 4 * 1024 * 1024;

export interface LogTail {
  /** The last lines, oldest first, decoded as UTF-8 (invalid bytes replaced), without `\n`/`\r\n`. */
  lines: string[];
  bytesRead: number;
  fileSize: number;
}

const NEWLINE = 0x0a;

/**
 * Reads the last `lines` lines of a file by reading backwards in chunks from its end, never the whole file:
 * it stops at the start of the file, once it holds enough line breaks, or at `maxBytes`.
 * Decoding always starts at a line boundary (or a UTF-8 boundary when one line exceeds `maxBytes`).
 */
export async function readLogTail(path: string, lines: number, options: { maxBytes?: number; chunkBytes?: number } = {}): Promise<LogTail> {
  const maxBytes = Math.max(1, options.maxBytes ?? TAIL_MAX_BYTES);
  const chunkBytes = Math.max(1, options.chunkBytes ?? TAIL_CHUNK_BYTES);
  const fd = await openFd(path, READ_SAFE);
  try {
    const info = await fstatFd(fd);
    if (!info.isFile()) throw Object.assign(new Error(`${path} is not a regular file`), { code: 'ENOTFILE' });
    const fileSize = info.size;
    if (lines <= 0 || fileSize === 0) return { lines: [], bytesRead: 0, fileSize };

    const chunks: Buffer[] = [];
    let position = fileSize;
    let bytesRead = 0;
    let newlines = 0;
    let lastByte: number | undefined;
    let enoughAt = -1; // offset within the first chunk (after the loop: within the joined buffer) of the start line's newline
    while (position > 0 && bytesRead < maxBytes) {
      const size = Math.min(chunkBytes, position, maxBytes - bytesRead);
      position -= size;
      const chunk = Buffer.allocUnsafe(size);
      const got = await readFd(fd, chunk, size, position);
      const data = got === size ? chunk : chunk.subarray(0, got);
      if (lastByte === undefined) lastByte = data[data.length - 1];
      chunks.unshift(data);
      bytesRead += data.length;
      // A trailing newline ends the last line rather than starting a new one: need one more break.
      const needed = lastByte === NEWLINE ? lines + 1 : lines;
      for (let i = data.length - 1; i >= 0; i--) {
        if (data[i] === NEWLINE && ++newlines === needed) {
          enoughAt = i;
          break;
        }
      }
      if (enoughAt >= 0 || got < size) break;
    }

    const buffer = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
    let start = 0;
    if (enoughAt >= 0) start = enoughAt + 1;
    else if (position > 0) start = findLineOrCharStart(buffer);
    let text = buffer.subarray(start).toString('utf8');
    if (text.endsWith('\n')) text = text.slice(0, -1);
    const result = text.split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
    return { lines: result.slice(-lines), bytesRead, fileSize };
  } finally {
    await closeFd(fd);
  }
}

// Where decoding may start when reading stopped inside the file: after the first newline, else at a UTF-8 lead byte.
function findLineOrCharStart(buffer: Buffer): number {
  const newline = buffer.indexOf(NEWLINE);
  if (newline >= 0) return newline + 1;
  let i = 0;
  while (i < buffer.length && i < 4 && (buffer[i] & 0xc0) === 0x80) i++;
  return i;
}
