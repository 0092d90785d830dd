import { access, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomically } from '../common/atomic-write.js';
import type { SpoolEntry } from '../common/marker.js';
import type { CleanItem, RetentionRules } from './clean.js';

/** A spool entry as cleaning sees it. */
export interface SpoolFile {
  path: string;
  bytes: number;
  entry: SpoolEntry;
}

const exists = (path: string) => access(path).then(() => true, () => false);

// Same rule as logs: old enough AND beyond the last N of its work dir (each rule alone when only one is set).
function selected(rules: RetentionRules, rank: number, ageMs: number): boolean {
  return (rules.keepLast === null || rank >= rules.keepLast) && (rules.olderThanMs === null || ageMs > rules.olderThanMs);
}

/**
 * Spool entries of finished runs that the rules let go: the run's heartbeat and marker are both gone (a running
 * or undelivered run keeps its entry, whatever its age).
 */
export async function planSpool(entries: SpoolFile[], rules: RetentionRules, nowMs: number): Promise<CleanItem[]> {
  const byDir = new Map<string, SpoolFile[]>();
  for (const file of entries) byDir.set(file.entry.work_dir, [...(byDir.get(file.entry.work_dir) ?? []), file]);
  const out: CleanItem[] = [];
  for (const files of byDir.values()) {
    files.sort((a, b) => Date.parse(b.entry.started_at) - Date.parse(a.entry.started_at));
    for (const [rank, file] of files.entries()) {
      const started = Date.parse(file.entry.started_at);
      if (!Number.isFinite(started) || !selected(rules, rank, nowMs - started)) continue;
      const { work_dir: dir, marker_file: marker, heartbeat_file: heartbeat } = file.entry;
      if ((await exists(join(dir, heartbeat))) || (await exists(join(dir, marker)))) continue;
      out.push({ path: file.path, bytes: file.bytes, why: 'spool entry of a finished run' });
    }
  }
  return out;
}

/** Reads the spool's entries (not its markers); unreadable ones are left alone. */
export async function readSpoolFiles(spool: string): Promise<SpoolFile[]> {
  let names: string[];
  try {
    names = await readdir(spool);
  } catch {
    return [];
  }
  const files: SpoolFile[] = [];
  for (const name of names.filter((n) => n.endsWith('.json') && !n.startsWith('.'))) {
    try {
      const text = await readFile(join(spool, name), 'utf8');
      const entry = JSON.parse(text) as SpoolEntry;
      if (typeof entry.work_dir === 'string' && typeof entry.started_at === 'string') {
        files.push({ path: join(spool, name), bytes: Buffer.byteLength(text), entry });
      }
    } catch {
      // not a spool entry we can judge
    }
  }
  return files;
}

/**
 * Keeps history lines the rules keep (per work dir, by their own time); returns the count and bytes dropped.
 * Lines that do not parse are kept: they are not ours to judge.
 */
export async function pruneHistory(
  path: string,
  rules: RetentionRules,
  nowMs: number,
  dryRun: boolean,
): Promise<{ dropped: number; bytes: number }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return { dropped: 0, bytes: 0 };
  }
  const lines = text.split('\n').filter(Boolean);
  const parsed = lines.map((line) => {
    try {
      const data = JSON.parse(line) as { work_dir?: unknown; delivered_at?: unknown; at?: unknown };
      const at = Date.parse(String(data.delivered_at ?? data.at ?? ''));
      return { line, dir: String(data.work_dir ?? ''), at: Number.isFinite(at) ? at : null };
    } catch {
      return { line, dir: '', at: null };
    }
  });
  const rank = new Map<string, number>();
  const drop = new Set<number>();
  for (let i = parsed.length - 1; i >= 0; i -= 1) {
    const { dir, at } = parsed[i];
    if (at === null) continue;
    const r = rank.get(dir) ?? 0;
    rank.set(dir, r + 1);
    if (selected(rules, r, nowMs - at)) drop.add(i);
  }
  if (drop.size === 0) return { dropped: 0, bytes: 0 };
  const kept = parsed.filter((_, i) => !drop.has(i)).map((p) => `${p.line}\n`).join('');
  const bytes = Buffer.byteLength(text) - Buffer.byteLength(kept);
  if (!dryRun) await writeFileAtomically(path, kept);
  return { dropped: drop.size, bytes };
}
