import type { MonitorContext } from './context.js';
import { runPass, type PassSources, type PassSummary } from './pass.js';
import { HEARTBEAT_NAME, MARKER_NAME } from '../common/paths.js';
import { basename } from 'node:path';

/** How the long-running monitor wakes up: every `intervalS`, and with `watch` also on file events. */
export interface LoopOptions {
  sources: PassSources;
  ctx: MonitorContext;
  intervalS: number;
  watch: { poll: boolean } | null;
  /** Directories to watch for events (the spool's work dirs change between passes). */
  watchDirs: () => string[];
  /** Told after every pass that finished (the status server's metrics). */
  onPass?: (summary: PassSummary, startedMs: number, endedMs: number) => void;
}

/**
 * Runs passes until SIGINT or SIGTERM; a signal lets the current delivery finish (nothing stays claimed), a
 * second one exits at once (claims left then are recovered by the next monitor). A failing pass is reported and
 * the loop goes on. Resolves with the exit status.
 */
export async function runLoop(options: LoopOptions): Promise<number> {
  const { ctx } = options;
  let stopping = false;
  let wake: (() => void) | null = null;
  let dirty: boolean;
  const trigger = () => {
    dirty = true;
    wake?.();
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      ctx.logger.warn(`${signal} again: exiting now`);
      process.exit(130);
    }
    stopping = true;
    ctx.logger.info(`${signal}: stopping after the current delivery`);
    wake?.();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const watcher = options.watch ? await startWatcher(options, trigger) : null;
  try {
    while (!stopping) {
      dirty = false;
      try {
        const started = Date.now();
        const summary = await runPass(options.sources, ctx, () => stopping);
        options.onPass?.(summary, started, Date.now());
        watcher?.update(summary.dirs);
      } catch (error) {
        ctx.logger.error(`pass failed: ${ctx.redact(error instanceof Error ? error.message : String(error))}; trying again next pass`);
      }
      if (stopping || dirty) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, options.intervalS * 1000);
        function done() {
          clearTimeout(timer);
          wake = null;
          resolve();
        }
        wake = done;
      });
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await watcher?.close();
  }
  return 0;
}

// chokidar (loaded only for --watch): polling by default, because inotify never sees another NFS client's writes.
async function startWatcher(options: LoopOptions, trigger: () => void): Promise<{ update(dirs: string[]): void; close(): Promise<void> }> {
  const { watch } = await import('chokidar');
  const watched = new Set(options.watchDirs());
  const relevant = (path: string) => MARKER_NAME.test(basename(path)) || HEARTBEAT_NAME.test(basename(path));
  const watcher = watch([...watched], {
    ignoreInitial: true,
    depth: 0,
    usePolling: options.watch!.poll,
    interval: 2000,
    binaryInterval: 5000,
    ignored: (path: string, stats?: { isFile(): boolean }) => Boolean(stats?.isFile()) && !relevant(path),
  });
  watcher.on('add', (path: string) => relevant(path) && trigger());
  watcher.on('change', (path: string) => relevant(path) && trigger());
  watcher.on('error', (error: unknown) => options.ctx.logger.warn(`watcher: ${String(error)}`));
  return {
    update: (dirs) => {
      const fresh = dirs.filter((d) => !watched.has(d));
      for (const d of fresh) watched.add(d);
      if (fresh.length) watcher.add(fresh);
    },
    close: () => watcher.close(),
  };
}
