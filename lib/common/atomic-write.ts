import { open, rename, stat, unlink } from 'node:fs/promises';

let serial = 0;

/**
 * Writes a whole file atomically: into `<path>.<pid>.<n>.tmp` beside it (never a `.json` name, so no scan takes
 * it), flushed with fsync unless `fsync: false`, then renamed over `path`, so a reader sees the old file or the
 * new one, never half of one. `mode` sets the file's permissions exactly; without it a rewritten file keeps its
 * mode and a new one gets 0666 less the umask. On failure the temporary file is removed and the error thrown.
 * (Plain fs calls, nothing to load: the heartbeat and the spool entry are written while the command starts.)
 */
export async function writeFileAtomically(path: string, text: string, options: { fsync?: boolean; mode?: number } = {}): Promise<void> {
  serial += 1;
  const temp = `${path}.${process.pid}.${serial}.tmp`;
  const mode = options.mode ?? (await stat(path).then((s) => s.mode & 0o7777, () => undefined));
  let handle;
  try {
    handle = await open(temp, 'wx', mode ?? 0o666);
    await handle.writeFile(text, 'utf8');
    if (mode !== undefined) await handle.chmod(mode);
    if (options.fsync ?? true) await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temp, path);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}
