import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SpoolEntry } from '../common/marker.js';
import { writeFileAtomically } from '../common/atomic-write.js';

// The index sits beside the entries' dir in the state dir, named so the spool scan never mistakes it for an entry.
function indexPath(spool: string): string {
  return join(spool, '..', 'spool-index.json');
}

/** The spool entries read in earlier passes, by file name; empty when there is no (readable) index. */
export async function readSpoolIndex(spool: string): Promise<Map<string, SpoolEntry>> {
  try {
    const data = JSON.parse(await readFile(indexPath(spool), 'utf8')) as { spool?: string; entries?: Record<string, SpoolEntry> };
    if (data.spool !== spool || typeof data.entries !== 'object' || data.entries === null) return new Map();
    return new Map(Object.entries(data.entries));
  } catch {
    return new Map();
  }
}

/** Writes the index back (atomically) when entries were added or removed; concurrent monitors at worst re-read. */
export async function saveSpoolIndex(spool: string, index: Map<string, SpoolEntry>, present: Set<string>, added: boolean): Promise<void> {
  let removed = false;
  for (const name of index.keys()) {
    if (!present.has(name)) {
      index.delete(name);
      removed = true;
    }
  }
  if (!added && !removed) return;
  await writeFileAtomically(indexPath(spool), JSON.stringify({ spool, entries: Object.fromEntries(index) }), { mode: 0o600 }).catch(
    () => undefined,
  );
}
