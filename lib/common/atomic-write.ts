import type { Options } from 'write-file-atomic';

type WriteFileAtomic = (path: string, data: string, options?: Options) => Promise<void>;

let loading: Promise<WriteFileAtomic> | null = null;

/**
 * Writes a whole file atomically (temp file + rename: a reader never sees half of it) with write-file-atomic,
 * loaded on first use so that neither a job's command nor a monitor pass waits for it at start-up.
 */
export async function writeFileAtomically(path: string, text: string, options: { fsync?: boolean; mode?: number } = {}): Promise<void> {
  loading ??= import('write-file-atomic').then((m) => m.default as unknown as WriteFileAtomic);
  const writeFileAtomic = await loading;
  await writeFileAtomic(path, text, { fsync: options.fsync ?? true, ...(options.mode === undefined ? {} : { mode: options.mode }) });
}
