import type { DeliveryState, GpuSummary, SlurmInfo } from './marker.js';

/** A marker file larger than this is never parsed (it is set aside as corrupt). */
export const MAX_MARKER_BYTES = 1024 * 1024;
/** The longest `command` kept; longer ones are cut with a note. */
export const MAX_COMMAND_CHARS = 4096;
/** The longest other text field kept. */
export const MAX_FIELD_CHARS = 1024;
/** An unknown field (from a newer wrapper) is kept only up to this size as JSON. */
const MAX_UNKNOWN_JSON = 4096;
const MAX_GPUS = 64;

/** Cuts `text` to `max` characters, saying so at the end. */
export function capText(text: string, max: number): string {
  if (text.length <= max) return text;
  const note = ` … [cut: ${text.length} characters]`;
  return `${text.slice(0, Math.max(0, max - note.length))}${note}`;
}

export const str = (v: unknown, max = MAX_FIELD_CHARS, d = ''): string => (typeof v === 'string' ? capText(v, max) : d);
export const strOrNull = (v: unknown, max = MAX_FIELD_CHARS): string | null => (typeof v === 'string' ? capText(v, max) : null);
export const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The Slurm block with every field of its type (wrong types become null), or null. */
export function normalizeSlurm(v: unknown): SlurmInfo | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
  const s = v as Record<string, unknown>;
  const id = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? String(x) : strOrNull(x, 256));
  return {
    ...s,
    job_id: id(s.job_id) ?? '',
    array_job_id: id(s.array_job_id),
    array_task_id: id(s.array_task_id),
    job_name: strOrNull(s.job_name),
    partition: strOrNull(s.partition, 256),
    nodelist: strOrNull(s.nodelist),
    restart_count: num(s.restart_count) ?? 0,
  } as SlurmInfo;
}

/** GPUs with the right types: a wrong-typed value becomes a neutral one, never a crash later. */
export function normalizeGpus(v: unknown): GpuSummary[] {
  if (!Array.isArray(v)) return [];
  return v.slice(0, MAX_GPUS).filter((g) => typeof g === 'object' && g !== null).map((g: Record<string, unknown>, i) => ({
    index: num(g.index) ?? (Number.isFinite(Number(g.index)) && g.index !== '' ? Number(g.index) : i),
    name:
      typeof g.name === 'string'
        ? capText(g.name, 256)
        : g.name === undefined || g.name === null
          ? 'GPU'
          : capText(String(g.name), 256),
    memory_total_mib: num(g.memory_total_mib) ?? 0,
    peak_memory_used_mib: num(g.peak_memory_used_mib) ?? 0,
    mean_utilization_pct: num(g.mean_utilization_pct) ?? 0,
  }));
}

/** The monitor's delivery state with the right types, or undefined. */
export function normalizeDelivery(v: unknown): DeliveryState | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const d = v as Record<string, unknown>;
  const state: DeliveryState = {
    delivered: Array.isArray(d.delivered) ? d.delivered.filter((n): n is string => typeof n === 'string').slice(0, 64) : [],
    attempts: num(d.attempts) ?? 0,
    next_attempt_at: strOrNull(d.next_attempt_at, 64),
    last_error: strOrNull(d.last_error, 2000),
  };
  if (num(d.retry_after_s) !== null) state.retry_after_s = num(d.retry_after_s)!;
  return state;
}

/** Unknown fields (from a newer wrapper) are kept when small; a large one is replaced by a note. */
export function capUnknown(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (key.length > 64) continue;
    const json = JSON.stringify(value) ?? '';
    out[key] = json.length <= MAX_UNKNOWN_JSON ? value : `[dropped: ${json.length} characters]`;
  }
  return out;
}
