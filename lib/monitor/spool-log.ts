import { isAbsolute } from 'node:path';
import type { Marker } from '../common/marker.js';
import { findEntryForMarker, readSpool } from './spool.js';

/**
 * The log outside its work dir that a marker's run may show: the absolute real path its spool entry names (the
 * wrapper records it there, in the user's private state dir). Only the entry registered for exactly this marker
 * file and this run (same host, pid and start) counts; null for anything else. Read only when a report needs it.
 */
export async function spoolLogOf(spool: string, markerPath: string, marker: Marker): Promise<string | null> {
  try {
    const view = await readSpool(spool);
    const record = view.byMarker.get(markerPath) ?? (await findEntryForMarker(view, markerPath, spool));
    const entry = record?.entry;
    if (!entry || typeof entry.log_file !== 'string' || !isAbsolute(entry.log_file)) return null;
    if (entry.host !== marker.host || entry.pid !== marker.pid || entry.started_at !== marker.started_at) return null;
    return entry.log_file;
  } catch {
    return null;
  }
}
