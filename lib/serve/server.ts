import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { basename } from 'node:path';
import { HpcRunError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { presentedToken, tokenMatches } from './auth.js';
import { runLabel } from '../ops/runs.js';
import type { MetricsRun, MonitorMetrics } from './metrics.js';
import { APP_JS, PAGE_HTML, STYLE_CSS } from './page.js';

import type { RunRow } from '../ops/runs.js';

export type { RunRow };

/** Where the server reads runs from: the same collection `status` uses. */
export interface RunSource {
  runs(all: boolean): Promise<RunRow[]>;
  /** The last `lines` lines of a run's log, cleaned; [] when there is none. */
  logTail(run: RunRow, lines: number): Promise<string[]>;
  /** Delivered reports, newest first; of one run when given. */
  history(limit: number, run?: RunRow): Promise<unknown[]>;
}

export interface ServeOptions {
  host: string;
  port: number;
  token: string | null;
  source: RunSource;
  metrics: MonitorMetrics;
  logger: Logger;
  /** How often live pages get a fresh snapshot (ms). */
  pushIntervalMs?: number;
}

/** A run's id in URLs: readable, stable, never a path (`bert-3f2a9c`). */
export function runKey(run: RunRow): string {
  const name = (run.run_id ?? basename(run.work_dir)).replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 60) || 'run';
  const hash = createHash('sha256').update(`${run.work_dir}\n${run.run_id ?? ''}`).digest('hex').slice(0, 6);
  return `${name}-${hash}`;
}

const KEY = /^[A-Za-z0-9_-]{1,80}$/;

/** Starts the status server; resolves once it listens, with the address it got. */
export async function startStatusServer(options: ServeOptions): Promise<{ server: Server; url: string; close: () => Promise<void> }> {
  const streams = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    handle(req, res, options, streams).catch((error: unknown) => {
      options.logger.warn(`status server: ${req.url}: ${error instanceof Error ? error.message : String(error)}`);
      if (!res.headersSent) send(res, 500, 'text/plain', 'internal error\n');
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new HpcRunError('E_SERVE_LISTEN', `cannot listen on ${options.host}:${options.port} (${error.code ?? error.message})`, {
        exitCode: 2,
        hint: error.code === 'EADDRINUSE' ? 'choose another --port, or stop the process using it' : undefined,
      })));
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    server,
    url: `http://${host}:${port}`,
    close: () => new Promise<void>((resolve) => {
      for (const res of streams) res.end();
      server.close(() => resolve());
      server.closeAllConnections?.();
    }),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, options: ServeOptions, streams: Set<ServerResponse>): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Cache-Control', 'no-store');
  if (url.pathname === '/healthz') return send(res, 200, 'text/plain', 'ok\n');
  if (options.token !== null && !tokenMatches(options.token, presentedToken(req.headers.authorization, url))) {
    res.setHeader('WWW-Authenticate', 'Bearer');
    return send(res, 401, 'text/plain', 'a bearer token is required\n');
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'only GET\n');
  const path = url.pathname;
  if (path === '/' || /^\/runs\/[^/]+$/.test(path)) {
    res.setHeader('Content-Security-Policy', "default-src 'self'; style-src 'self'; script-src 'self'");
    return send(res, 200, 'text/html; charset=utf-8', PAGE_HTML);
  }
  if (path === '/app.js') return send(res, 200, 'text/javascript; charset=utf-8', APP_JS);
  if (path === '/style.css') return send(res, 200, 'text/css; charset=utf-8', STYLE_CSS);
  if (path === '/metrics') {
    options.metrics.updateRuns((await options.source.runs(true)).map(toMetricsRun));
    return send(res, 200, options.metrics.contentType, await options.metrics.render());
  }
  if (path === '/api/runs') return sendJson(res, await withKeys(options.source, url.searchParams.get('all') === '1'));
  if (path === '/api/history') return sendJson(res, await options.source.history(50));
  const one = /^\/api\/runs\/([^/]+)$/.exec(path);
  if (one) {
    const detail = await runDetail(options.source, one[1]);
    return detail ? sendJson(res, detail) : send(res, 404, 'text/plain', 'no such run\n');
  }
  if (path === '/events') return openStream(req, res, options, streams, url.searchParams.get('run'));
  return send(res, 404, 'text/plain', 'not found\n');
}

async function withKeys(source: RunSource, all: boolean): Promise<(RunRow & { id: string })[]> {
  return (await source.runs(all)).map((run) => ({ id: runKey(run), ...run }));
}

// Runs are looked up by id among the known runs, never turned into a path.
async function runDetail(source: RunSource, key: string): Promise<unknown | null> {
  if (!KEY.test(key)) return null;
  const run = (await withKeys(source, true)).find((r) => r.id === key);
  if (!run) return null;
  const [log, reports] = await Promise.all([source.logTail(run, 100), source.history(20, run)]);
  return { run, log, reports };
}

// Server-sent events: a snapshot now, then one whenever it changed (checked every pushIntervalMs).
async function openStream(
  req: IncomingMessage,
  res: ServerResponse,
  options: ServeOptions,
  streams: Set<ServerResponse>,
  key: string | null,
): Promise<void> {
  res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', Connection: 'keep-alive' });
  streams.add(res);
  let last = '';
  let busy = false;
  const push = async () => {
    if (busy) return;
    busy = true;
    try {
      const data =
        key === null
          ? { runs: await withKeys(options.source, true), history: await options.source.history(20) }
          : await runDetail(options.source, key);
      const text = JSON.stringify(data);
      if (text !== last) res.write(`event: ${key === null ? 'runs' : 'run'}\ndata: ${text}\n\n`);
      else res.write(': keep-alive\n\n');
      last = text;
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void push().catch(() => res.end()), options.pushIntervalMs ?? 2000);
  const stop = () => {
    clearInterval(timer);
    streams.delete(res);
  };
  req.on('close', stop);
  res.on('close', stop);
  await push();
}

function toMetricsRun(run: RunRow): MetricsRun {
  return { run: runLabel(run), job_id: run.job_id, state: run.state, last_output_age_s: run.last_output_age_s, gpus: run.gpus };
}

function sendJson(res: ServerResponse, value: unknown): void {
  send(res, 200, 'application/json; charset=utf-8', `${JSON.stringify(value)}\n`);
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(res.req?.method === 'HEAD' ? undefined : body);
}
