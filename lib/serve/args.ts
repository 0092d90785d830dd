import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../common/errors.js';
import type { ServeSettings } from './run.js';

export const DEFAULT_PORT = 8765;
export const DEFAULT_HOST = '127.0.0.1';

/** A TCP port from a flag or variable: 0 (any free port) to 65535. */
export function parsePort(value: string, what: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value.trim()) || port > 65535) throw new UsageError(`${what} must be a port number 0–65535, got '${value}'`);
  return port;
}

/** `serve [--port N] [--host ADDR] [--token-file FILE] [--work-dir DIR]…`. */
export function parseServeArgs(argv: string[], cwd: string): ServeSettings {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: { port: { type: 'string' }, host: { type: 'string' }, 'token-file': { type: 'string' }, 'work-dir': { type: 'string', multiple: true } },
    }));
  } catch (error) {
    throw new UsageError(`serve: ${(error as Error).message}`, 'see `train-monitor serve --help`');
  }
  return {
    port: values.port === undefined ? DEFAULT_PORT : parsePort(values.port, '--port'),
    host: values.host ?? DEFAULT_HOST,
    tokenFile: values['token-file'] === undefined ? null : resolve(cwd, values['token-file']),
    workDirs: (values['work-dir'] ?? []).map((d) => resolve(cwd, d)),
  };
}
