import { lookup } from 'node:dns/promises';
import { isIP, connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import type { CheckLine } from './report-lines.js';
import type { Endpoint } from '../notify/types.js';

export const REACH_TIMEOUT_MS = 5000;

/**
 * Checks that an endpoint can be reached from here, step by step, stopping at the first failure:
 * name lookup, TCP connect, then (for endpoints that start with TLS) a verified TLS handshake.
 */
export async function checkReach(label: string, endpoint: Endpoint, timeoutMs = REACH_TIMEOUT_MS): Promise<CheckLine[]> {
  const lines: CheckLine[] = [];
  const where = `${endpoint.host}:${endpoint.port}`;
  let addresses = [endpoint.host];
  if (!isIP(endpoint.host)) {
    try {
      const found = await withTimeout(lookup(endpoint.host, { all: true }), timeoutMs, 'ETIMEOUT');
      addresses = found.map((a) => a.address);
      lines.push({ mark: 'ok', text: `${label}: name lookup ${endpoint.host} → ${addresses.join(', ')}` });
    } catch (error) {
      lines.push({
        mark: 'fail',
        text: `${label}: name lookup of ${endpoint.host} failed (${codeOf(error)})`,
        fix:
          `check the host in ${endpoint.key}; this machine must resolve public names ` +
          '(login nodes usually can, compute nodes often cannot: run the monitor on the login node)',
      });
      return lines;
    }
  }
  // Like an HTTP client, try each address in turn (an IPv6 address may be unroutable while IPv4 works).
  let socket: Socket | undefined;
  let address = addresses[0];
  let lastError: unknown;
  for (const candidate of addresses) {
    try {
      socket = await openTcp(candidate, endpoint.port, timeoutMs);
      address = candidate;
      break;
    } catch (error) {
      lastError = error;
    }
  }
  if (!socket) {
    const code = codeOf(lastError);
    lines.push({
      mark: 'fail',
      text: `${label}: TCP connect ${where} failed (${code})`,
      fix: code === 'ECONNREFUSED'
        ? `nothing listens on ${where}: check the port in ${endpoint.key}`
        : `outgoing connections to ${where} seem blocked: run the monitor where the internet is reachable (the login node), ` +
          'or ask your admins which hosts are allowed',
    });
    return lines;
  }
  lines.push({ mark: 'ok', text: `${label}: TCP connect ${where}${address !== endpoint.host ? ` (${address})` : ''}` });
  socket.destroy();
  if (!endpoint.tls) {
    if (endpoint.note) lines.push({ mark: 'note', text: `${label}: ${endpoint.note}` });
    return lines;
  }
  try {
    const subject = await handshake(address, endpoint.host, endpoint.port, timeoutMs);
    lines.push({ mark: 'ok', text: `${label}: TLS handshake with ${endpoint.host}${subject ? ` (certificate for ${subject})` : ''}` });
  } catch (error) {
    const code = codeOf(error);
    lines.push({ mark: 'fail', text: `${label}: TLS handshake with ${where} failed (${code})`, fix: tlsFix(code, endpoint) });
  }
  return lines;
}

// Opens a TCP connection, or rejects with the socket's error (ETIMEDOUT after timeoutMs).
function openTcp(host: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connectTcp({ host, port });
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      reject(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' }));
    });
    socket.once('connect', () => {
      socket.setTimeout(0);
      resolve(socket);
    });
    socket.once('error', (error) => {
      socket.destroy();
      reject(error);
    });
  });
}

// A verified TLS handshake (the system's CAs plus NODE_EXTRA_CA_CERTS); resolves with the certificate's CN.
function handshake(address: string, host: string, port: number, timeoutMs: number): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const socket = connectTls({ host: address, port, servername: isIP(host) ? undefined : host, rejectUnauthorized: true });
    // Name checks go against the configured host, not the address we connected to.
    const finish = (error?: Error, subject = '') => {
      socket.destroy();
      if (error) reject(error);
      else resolve(subject);
    };
    socket.setTimeout(timeoutMs, () => finish(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    socket.once('secureConnect', () => {
      const cn = socket.getPeerCertificate()?.subject?.CN;
      finish(undefined, Array.isArray(cn) ? cn.join(', ') : (cn ?? ''));
    });
    socket.once('error', (error) => finish(error));
  });
}

// The fix for a failed handshake, by OpenSSL's reason.
function tlsFix(code: string, endpoint: Endpoint): string {
  if (/SELF_SIGNED|UNABLE_TO_GET_ISSUER|UNABLE_TO_VERIFY|CERT_UNTRUSTED/.test(code)) {
    return (
      `the certificate of ${endpoint.host} is not trusted here; ` +
      "if your site intercepts HTTPS or runs its own CA, point NODE_EXTRA_CA_CERTS at that CA's PEM file"
    );
  }
  if (/ALTNAME|HOSTNAME/.test(code)) return `the certificate does not name ${endpoint.host}: check the host in ${endpoint.key}`;
  if (/EXPIRED|NOT_YET_VALID/.test(code)) {
    return `the certificate is expired or not yet valid: check this machine's clock (date), then the server`;
  }
  if (code === 'ETIMEDOUT') return `the handshake did not finish: a proxy or firewall may hold the connection; try from the login node`;
  return `check that ${endpoint.key} is an https:// URL of a TLS server (a plain-HTTP port fails this way)`;
}

// Rejects with an error carrying `code` when the promise takes longer than `ms`.
function withTimeout<T>(promise: Promise<T>, ms: number, code: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('timed out'), { code })), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// The error's code (ENOTFOUND, ECONNREFUSED, DEPTH_ZERO_SELF_SIGNED_CERT …), or its message.
function codeOf(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error) return String((error as { code: unknown }).code);
  return error instanceof Error ? error.message : String(error);
}
