import { open, readdir } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';

/** Larger state files are not ours (markers are capped at 1 MB); they protect nothing and are not read. */
const MAX_STATE_FILE = 1024 * 1024;

// Heartbeats, markers, claimed and set-aside markers: every name the wrapper or a monitor gives them.
const STATE_FILE = /^\.train_(?:running|complete)(?:\..*)?\.json(?:\..+)?$/;

/**
 * The logs no cleaning may touch in one work dir: every log a heartbeat (a running run), a marker not yet
 * delivered (plain, claimed or set aside) or a spool entry of a live or undelivered run names.
 */
export async function protectedLogs(workDir: string, spoolLogs: Iterable<string>): Promise<Set<string>> {
  const keep = new Set<string>();
  for (const log of spoolLogs) keep.add(resolve(workDir, log));
  let names: string[];
  try {
    names = await readdir(workDir);
  } catch {
    return keep;
  }
  for (const name of names.filter((n) => STATE_FILE.test(n))) {
    const log = await logFileOf(join(workDir, name));
    if (log) keep.add(isAbsolute(log) ? log : resolve(workDir, log));
  }
  return keep;
}

// The `log_file` a state file names; a file we cannot read or parse protects nothing (and is not ours to judge).
async function logFileOf(path: string): Promise<string | null> {
  let handle;
  try {
    handle = await open(path, 'r');
    const { size } = await handle.stat();
    if (size > MAX_STATE_FILE) return null;
    const data = JSON.parse((await handle.readFile('utf8')) || 'null') as { log_file?: unknown } | null;
    return typeof data?.log_file === 'string' ? data.log_file : null;
  } catch {
    return null;
  } finally {
    await handle?.close();
  }
}
