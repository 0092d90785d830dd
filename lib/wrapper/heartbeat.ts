import { unlink } from 'node:fs/promises';
import { writeFileAtomically } from '../common/atomic-write.js';
import { errnoCode } from '../common/errors.js';
import { createNoClobber } from '../common/no-clobber.js';
import type { Logger } from '../common/logger.js';
import type { GpuNow, Heartbeat } from '../common/marker.js';
import { isoLocal } from '../common/paths.js';
import type { OutputStats } from './tee.js';

const RETRY_MS = 1000;

/** The heartbeat fields that never change during a run. */
export type HeartbeatBase = Omit<
  Heartbeat,
  'seq' | 'updated_at' | 'log_bytes' | 'last_output_at' | 'gpus' | 'gpus_now' | 'attempt' | 'max_attempts'
>;

/** The attempt running now, as the heartbeat shows it. */
export interface AttemptProgress {
  attempt: number;
  max_attempts: number;
}

export interface HeartbeatOptions {
  path: string;
  base: HeartbeatBase;
  intervalMs: number;
  stats: OutputStats;
  /** One GPU sample per beat; undefined where there are no GPUs (or not yet known): `gpus_now` [] and no `gpus`. */
  sampleGpus: () => Promise<GpuNow[] | undefined>;
  /** Read at every beat: which attempt runs. */
  progress: () => AttemptProgress;
  logger: Logger;
}

/** The running heartbeat: `stop()` waits for a write in flight (not for a GPU sample); `remove()` deletes the file. */
export interface HeartbeatWriter {
  stop(): Promise<void>;
  remove(): Promise<void>;
}

/**
 * Writes the heartbeat atomically now and then every `intervalMs` (seq increments on every write). Beats never
 * overlap: the next one is scheduled after the previous write finished. A failing write is warned about once per
 * streak of failures, never fatal.
 */
export function startHeartbeat(options: HeartbeatOptions): HeartbeatWriter {
  let seq = 0;
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  let failing = false;
  let writing: Promise<void> = Promise.resolve();

  const beat = async () => {
    const gpus = await options.sampleGpus().catch(() => undefined);
    if (stopped) return; // the run ended while sampling: the marker is next, not another beat
    seq += 1;
    const heartbeat: Heartbeat = {
      ...options.base,
      seq,
      updated_at: isoLocal(new Date()),
      log_bytes: options.stats.bytes,
      last_output_at: options.stats.lastOutputAt ? isoLocal(new Date(options.stats.lastOutputAt)) : null,
      ...options.progress(),
      gpus_now: gpus ?? [],
      ...(gpus ? { gpus: completeReadings(gpus) } : {}),
    };
    writing = writeFileAtomically(options.path, `${JSON.stringify(heartbeat, null, 2)}\n`, { fsync: false }).then(
      () => {
        failing = false;
      },
      (error: unknown) => {
        if (!failing) {
          options.logger.warn(
            `cannot write the heartbeat ${options.path}: ${errnoCode(error) ?? String(error)}; retrying every ${RETRY_MS / 1000} s`,
          );
        }
        failing = true;
      },
    );
    await writing;
  };
  const loop = () => {
    void beat().finally(() => {
      // A failed write is tried again soon: a monitor must not see the heartbeat go silent for long.
      if (!stopped) timer = setTimeout(loop, failing ? Math.min(RETRY_MS, options.intervalMs) : options.intervalMs);
    });
  };
  loop();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await writing; // a sample in flight is abandoned, a write in flight is waited for
    },
    async remove() {
      await unlink(options.path).catch(() => undefined);
    },
  };
}

// The earlier `gpus` field: only GPUs with both readings.
function completeReadings(gpus: GpuNow[]): NonNullable<Heartbeat['gpus']> {
  return gpus
    .filter((g) => g.memory_used_mib !== null && g.utilization_pct !== null)
    .map((g) => ({ index: g.index, memory_used_mib: g.memory_used_mib!, utilization_pct: g.utilization_pct! }));
}

/**
 * Creates `path` with `text` only if no such file exists, atomically (a complete temp file linked into place without
 * clobbering): two runs without a run id starting together in one dir cannot both take the plain names.
 */
export async function claimFile(path: string, text: string): Promise<boolean> {
  return createNoClobber(path, text, { fsync: false });
}
