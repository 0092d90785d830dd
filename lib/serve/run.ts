import type { Logger } from '../common/logger.js';
import { checkBind, readTokenFile } from './auth.js';
import { createMonitorMetrics, type MonitorMetrics } from './metrics.js';
import { startStatusServer } from './server.js';
import type { ServeSettings } from './settings.js';
import { createRunSource } from './source.js';

export type { ServeSettings };

/** A running status server: the metrics the monitor's passes feed, and how to stop it. */
export interface RunningServer {
  metrics: MonitorMetrics;
  url: string;
  close(): Promise<void>;
}

/** Checks the bind, reads the token, starts the server and says where it listens. */
export async function startServe(settings: ServeSettings, io: { env: NodeJS.ProcessEnv; logger: Logger }): Promise<RunningServer> {
  const token = settings.tokenFile === null ? null : await readTokenFile(settings.tokenFile);
  checkBind(settings.host, token);
  const metrics = await createMonitorMetrics();
  const source = createRunSource({ env: io.env, workDirs: settings.workDirs });
  const server = await startStatusServer({ host: settings.host, port: settings.port, token, source, metrics, logger: io.logger });
  io.logger.info(`status page at ${server.url}/ (metrics at /metrics${token ? '; bearer token required' : ''})`);
  return { metrics, url: server.url, close: server.close };
}

/** `train-monitor serve`: the status server alone, until SIGINT or SIGTERM. */
export async function runServe(settings: ServeSettings, io: { env: NodeJS.ProcessEnv; logger: Logger }): Promise<number> {
  const server = await startServe(settings, io);
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      io.logger.info(`${signal}: stopping the status server`);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await server.close();
  return 0;
}
