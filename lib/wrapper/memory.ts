import v8 from 'node:v8';
import vm from 'node:vm';

/**
 * Every chunk read from the command's pipes is a fresh 64 KiB buffer that dies at once. V8 collects such buffers
 * only after tens of MB of them pile up outside its heap, which would put the wrapper's RSS near 100 MB on a fast
 * writer. A young-generation collection every few MB (well under a millisecond each) keeps memory flat.
 */
const BYTES_BETWEEN_COLLECTIONS = 4 << 20;

type MinorGc = (options: { type: 'minor' }) => void;

// The engine's gc function, obtained without a command-line flag; null where the engine refuses.
function obtainGc(): MinorGc | null {
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as MinorGc) : null;
  } catch {
    return null;
  } finally {
    v8.setFlagsFromString('--no-expose-gc');
  }
}

let gc: MinorGc | null | undefined;
let sinceLast = 0;

/** Counts bytes of short-lived buffers and runs a young-generation collection every few MB. */
export function noteGarbage(bytes: number): void {
  sinceLast += bytes;
  if (sinceLast < BYTES_BETWEEN_COLLECTIONS) return;
  sinceLast = 0;
  if (gc === undefined) gc = obtainGc();
  gc?.({ type: 'minor' });
}
