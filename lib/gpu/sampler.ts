import type { GpuNow, GpuSummary } from '../common/marker.js';
import { findOnPath } from '../common/find-on-path.js';
import { parseNvidiaSmiCsv, runNvidiaSmi, type GpuReading } from './nvidia-smi.js';

/** One GPU in one sample, as the heartbeat records it. */
export interface GpuSample {
  index: number;
  memory_used_mib: number;
  utilization_pct: number;
}

/** GPU recording for one run: created once at start, sampled every heartbeat, summarised into the marker. */
export interface GpuSampler {
  /** False where nvidia-smi is absent or failed at start; then sample() gives [] and summary() gives []. */
  readonly available: boolean;
  /** Why it is unavailable (`nvidia-smi not found`, its error line, a timeout), for one warning; null when available. */
  readonly problem: string | null;
  /** Reads every GPU now; never throws, a failed or timed-out read gives [] and is left out of the summary. */
  sample(): Promise<GpuSample[]>;
  /** The same read, keeping GPUs whose readings are `[N/A]` (MIG) as nulls, with total memory: the heartbeat's `gpus_now`. */
  sampleNow(): Promise<GpuNow[]>;
  /** Per GPU: name, total memory, peak memory used and mean utilisation (rounded) over the samples so far. */
  summary(): GpuSummary[];
}

export interface GpuSamplerOptions {
  /** nvidia-smi command or path, looked up on `env.PATH`. Default `nvidia-smi`. */
  command?: string;
  /** Limit for one nvidia-smi run, in ms (a wedged driver can hang it). Default 5000. */
  timeoutMs?: number;
  /** Environment for nvidia-smi (and its PATH lookup). Default process.env. */
  env?: NodeJS.ProcessEnv;
}

const DEFAULT_TIMEOUT_MS = 5000;

interface GpuStats {
  index: number;
  name: string;
  memoryTotal: number | null;
  peakUsed: number | null;
  utilSum: number;
  utilCount: number;
}

// Folds one reading into a GPU's running peak and mean.
function addReading(stats: GpuStats, reading: GpuReading): void {
  if (reading.memory_used_mib !== null) stats.peakUsed = Math.max(stats.peakUsed ?? 0, reading.memory_used_mib);
  if (reading.utilization_pct !== null) {
    stats.utilSum += reading.utilization_pct;
    stats.utilCount += 1;
  }
}

// Empty statistics for the GPUs of the first reading; with `fold`, that reading already counted.
function createStats(readings: GpuReading[], fold = false): Map<number, GpuStats> {
  const stats = new Map<number, GpuStats>();
  for (const r of readings) {
    const entry: GpuStats = { index: r.index, name: r.name, memoryTotal: r.memory_total_mib, peakUsed: null, utilSum: 0, utilCount: 0 };
    if (fold) addReading(entry, r);
    stats.set(r.index, entry);
  }
  return stats;
}

// Starts recording: one nvidia-smi run now lists the GPUs (all of the node's; CUDA_VISIBLE_DEVICES is not applied).
export async function createGpuSampler(options: GpuSamplerOptions = {}): Promise<GpuSampler> {
  const command = options.command ?? 'nvidia-smi';
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const env = options.env ?? process.env;
  // Where it is not on the PATH (a CPU node) no process is started at all: every wrapper start would pay for one.
  if (findOnPath(command, env.PATH) === null) return createUnavailableSampler(`${command} not found`);
  const first = await runNvidiaSmi(command, env, timeoutMs);
  const initial = first.ok ? parseNvidiaSmiCsv(first.stdout) : [];
  if (!first.ok) return createUnavailableSampler(first.reason === 'missing' ? `${command} not found` : `${command}: ${first.detail}`);
  if (initial.length === 0) return createUnavailableSampler(`${command} listed no GPU`);

  const stats = createStats(initial);
  let samples = 0;
  let inFlight: Promise<GpuReading[]> | null = null;

  const readNow = async (): Promise<GpuReading[]> => {
    const result = await runNvidiaSmi(command, env, timeoutMs);
    if (!result.ok) return [];
    const readings = parseNvidiaSmiCsv(result.stdout).filter((r) => stats.has(r.index));
    if (readings.length === 0) return [];
    samples += 1;
    for (const reading of readings) addReading(stats.get(reading.index)!, reading);
    return readings;
  };
  // A heartbeat that comes while the previous read still runs shares it instead of piling up processes.
  const read = (): Promise<GpuReading[]> => {
    inFlight ??= readNow().finally(() => {
      inFlight = null;
    });
    return inFlight;
  };

  return {
    available: true,
    problem: null,
    async sample() {
      return (await read())
        .filter((r) => r.memory_used_mib !== null && r.utilization_pct !== null)
        .map((r) => ({ index: r.index, memory_used_mib: r.memory_used_mib!, utilization_pct: r.utilization_pct! }));
    },
    async sampleNow() {
      return (await read()).map((r) => ({
        index: r.index,
        utilization_pct: r.utilization_pct,
        memory_used_mib: r.memory_used_mib,
        memory_total_mib: r.memory_total_mib,
      }));
    },
    summary() {
      // Before any sample (a run shorter than one heartbeat), the reading taken at start stands in.
      const source = samples > 0 ? stats : createStats(initial, true);
      return [...source.values()].map((s) => ({
        index: s.index,
        name: s.name,
        memory_total_mib: s.memoryTotal ?? 0,
        peak_memory_used_mib: s.peakUsed ?? 0,
        mean_utilization_pct: s.utilCount > 0 ? Math.round(s.utilSum / s.utilCount) : 0,
      }));
    },
  };
}

// The sampler for nodes without nvidia-smi (or with a broken driver): records nothing.
function createUnavailableSampler(problem: string): GpuSampler {
  return { available: false, problem, sample: async () => [], sampleNow: async () => [], summary: () => [] };
}
