import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../lib/common/logger.js';

/** A logger whose stdout and stderr are collected in memory. */
export function captureLogger(): { logger: Logger; stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk, _encoding, done) {
        append(String(chunk));
        done();
      },
    });
  const logger = createLogger({ prefix: 'train-monitor', stdout: sink((s) => (out += s)), stderr: sink((s) => (err += s)) });
  return { logger, stdout: () => out, stderr: () => err };
}

/** Writes a config file (mode 0600 unless told otherwise) and returns its path. */
export function writeConfig(dir: string, yaml: string, mode = 0o600, name = 'config.yaml'): string {
  const file = join(dir, name);
  writeFileSync(file, yaml);
  chmodSync(file, mode);
  return file;
}

/** A self-signed certificate for `localhost` and 127.0.0.1 made by openssl; returns the PEM file paths. */
export function makeSelfSignedCert(dir: string): { cert: string; key: string } {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
  ], { stdio: 'ignore' });
  return { cert, key };
}

/** A real HTTPS server on 127.0.0.1 with the given certificate, answering 200 and `code: 200` (as Bark does) to everything. */
export async function startHttpsServer(pem: { cert: string; key: string }): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer({ cert: readFileSync(pem.cert), key: readFileSync(pem.key) }, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"code":200,"message":"success"}');
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  // Failed handshakes are expected here (the doctor test distrusts the certificate on purpose).
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
