import type { Logger } from '../common/logger.js';
import type { MonitorMetrics } from '../serve/metrics.js';
import type { Config } from '../config/types.js';
import { createMonitorContext } from './context.js';
import { acquireMonitorLocks } from './lock.js';
import { runLoop } from './loop.js';
import type { MonitorArgs } from './options.js';
import { runPass, type PassSources, type PassSummary } from './pass.js';

type MonitorRunArgs = Extract<MonitorArgs, { kind: 'monitor' }>;

// Every line the monitor prints goes through the redactor: a secret never reaches a terminal or a cron mail.
function redactingLogger(logger: Logger, redact: (text: string) => string): Logger {
  return {
    info: (m) => logger.info(redact(m)),
    warn: (m) => logger.warn(redact(m)),
    error: (m) => logger.error(redact(m)),
    out: (t) => logger.out(redact(t)),
  };
}

/** The command line's durations override the config's monitor settings. */
export function applyOverrides(config: Config, args: MonitorRunArgs): Config {
  return {
    ...config,
    monitor: {
      ...config.monitor,
      interval_s: args.intervalS ?? config.monitor.interval_s,
      stale_after_s: args.staleAfterS ?? config.monitor.stale_after_s,
    },
  };
}

/** One line for a pass that found something; nothing at all for an empty one (quiet cron mail). */
export function describeSummary(s: PassSummary): string | null {
  if (s.found === 0 && s.lost === 0) return null;
  const parts = [`${s.found} marker(s) found`, `${s.delivered} delivered`];
  if (s.failed) parts.push(`${s.failed} failed (kept for retry)`);
  if (s.pending) parts.push(`${s.pending} waiting for a retry`);
  if (s.bad) parts.push(`${s.bad} corrupt (moved to *.bad)`);
  if (s.lost) parts.push(`${s.lost} run(s) declared lost`);
  return parts.join(', ');
}

/**
 * Loads the configuration, then runs one pass (`--once`, exit 0 or 1) or the long-running loop under the
 * one-monitor-per-place lock (not taken by `--once` or `--dry-run`: the rename claim guards those).
 */
export async function runMonitor(
  args: MonitorRunArgs,
  io: { env: NodeJS.ProcessEnv; cwd: string; logger: Logger; spool: string },
): Promise<number> {
  const [{ loadConfig }, { createRedactor }] = await Promise.all([import('../config/load.js'), import('../config/redact.js')]);
  const loaded = await loadConfig({ configPath: args.configPath, env: io.env, cwd: io.cwd });
  const config = applyOverrides(loaded, args);
  const redact = createRedactor(config.secrets);
  const logger = redactingLogger(io.logger, redact);
  for (const warning of config.warnings) logger.warn(warning);
  const workDirs = [...new Set([...args.workDirs, ...config.watch])];
  const sources: PassSources = workDirs.length > 0 ? { workDirs, spool: null } : { workDirs: [], spool: io.spool };
  const ctx = createMonitorContext({ config, logger, env: io.env, dryRun: args.dryRun, redact, spool: io.spool });
  if (args.mode === 'once') {
    const summary = await runPass(sources, ctx);
    const line = describeSummary(summary);
    if (line) logger.info(line);
    return summary.failed + summary.pending + summary.bad > 0 ? 1 : 0;
  }
  const places = sources.spool
    ? [{ key: `spool:${sources.spool}`, label: `the spool ${sources.spool}` }]
    : workDirs.map((d) => ({ key: `dir:${d}`, label: d }));
  const release = args.dryRun
    ? async () => undefined
    : await acquireMonitorLocks(places, io.env, (label) =>
        logger.warn(`the lock on ${label} was lost (another monitor may have taken over); the claims still prevent duplicates`),
      );
  const where = sources.spool ? `the spool ${sources.spool}` : `${workDirs.length} work dir(s)`;
  logger.info(
    `watching ${where}: a pass every ${config.monitor.interval_s}s` +
      `${args.mode === 'watch' ? ` plus file events (${args.poll ? 'polling' : 'native events'})` : ''}` +
      `; lost after ${config.monitor.stale_after_s}s of silence; config: ${config.file ?? 'built-in defaults'}`,
  );
  let server: { metrics: MonitorMetrics; close(): Promise<void> } | null = null;
  try {
    if (args.serve) {
      const { startServe } = await import('../serve/run.js');
      server = await startServe(args.serve, { env: io.env, logger });
      const metrics = server.metrics;
      ctx.events = { delivered: (channel, ok, retry) => metrics.recordDelivery(channel, ok, retry) };
    }
    const metrics = server?.metrics;
    return await runLoop({
      sources,
      ctx,
      intervalS: config.monitor.interval_s,
      watch: args.mode === 'watch' ? { poll: args.poll } : null,
      watchDirs: () => (sources.spool ? [sources.spool, ...workDirs] : workDirs),
      onPass: metrics
        ? (summary, started, ended) => {
            metrics.recordPass(ended, ended - started);
            metrics.recordSetAside(summary.bad);
          }
        : undefined,
    });
  } finally {
    await server?.close();
    await release();
  }
}
