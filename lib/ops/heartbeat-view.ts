import type { Heartbeat } from '../common/marker.js';

/** One GPU as a run shows it now; null where nvidia-smi could not say (MIG `[N/A]`, `[Not Supported]`). */
export interface GpuNow {
  index: number;
  utilization_pct: number | null;
  memory_used_mib: number | null;
  memory_total_mib: number | null;
}

/** The heartbeat fields added with retries and stall detection; every one optional (older wrappers lack them). */
export interface HeartbeatExtras {
  attempt: number | null;
  max_attempts: number | null;
  /** The wrapper's `--stall-after` in seconds; null when not given (the monitor's setting applies). */
  stall_after_s: number | null;
  log_bytes: number | null;
  last_output_at: string | null;
  gpus_now: GpuNow[] | null;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Reads the optional fields of a heartbeat defensively; `gpus_now` falls back to the older `gpus` samples. */
export function heartbeatExtras(heartbeat: Heartbeat): HeartbeatExtras {
  const h = heartbeat as unknown as Record<string, unknown>;
  return {
    attempt: num(h.attempt),
    max_attempts: num(h.max_attempts),
    stall_after_s: num(h.stall_after_s),
    log_bytes: num(h.log_bytes),
    last_output_at: typeof h.last_output_at === 'string' ? h.last_output_at : null,
    gpus_now: readGpus(h.gpus_now) ?? readGpus(h.gpus),
  };
}

// A list of GPU readings, each field a number or null; null when the field is absent or not a list.
function readGpus(value: unknown): GpuNow[] | null {
  if (!Array.isArray(value)) return null;
  const gpus: GpuNow[] = [];
  for (const item of value) {
    if (typeof item !== 'object' || item === null) continue;
    const g = item as Record<string, unknown>;
    const index = num(g.index);
    if (index === null) continue;
    gpus.push({
      index,
      utilization_pct: num(g.utilization_pct),
      memory_used_mib: num(g.memory_used_mib),
      memory_total_mib: num(g.memory_total_mib),
    });
  }
  return gpus;
}

/**
 * True when the reading says every GPU of the run is under `thresholdPct`: at least one GPU, and every one with
 * a number. A null reading (MIG `[N/A]`) never counts as idle, so one unknown GPU keeps the run from being idle.
 */
export function isIdleReading(gpus: GpuNow[] | null, thresholdPct: number): boolean {
  if (!gpus || gpus.length === 0) return false;
  return gpus.every((g) => g.utilization_pct !== null && g.utilization_pct < thresholdPct);
}
