import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { UsageError } from '../common/errors.js';

/** True for the addresses only this machine can reach: 127.0.0.0/8, ::1, localhost. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return bare === '::1' || bare === '::ffff:127.0.0.1';
}

/** Reads the bearer token (the file's first line); a missing, unreadable or empty file is a usage error. */
export async function readTokenFile(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`--token-file ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      'write one line of random text into it, e.g. `openssl rand -hex 32 > FILE && chmod 600 FILE`');
  }
  const token = text.split('\n')[0].trim();
  if (token.length < 16) throw new UsageError(`--token-file ${path}: the token must be at least 16 characters on its first line`,
    'e.g. `openssl rand -hex 32 > FILE && chmod 600 FILE`');
  return token;
}

/** Refuses to serve runs off loopback without a token: anyone on the network could read every user's logs. */
export function checkBind(host: string, token: string | null): void {
  if (token === null && !isLoopbackHost(host)) {
    throw new UsageError(
      `--host ${host} is reachable from other machines, so a token is required`,
      'add --token-file FILE (clients send `Authorization: Bearer <token>`), ' +
        'or keep the default 127.0.0.1 and use `ssh -L 8765:127.0.0.1:8765 login-node`',
    );
  }
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Compares a presented token with the expected one in constant time (equal-length digests). */
export function tokenMatches(expected: string, presented: string | null): boolean {
  if (presented === null) return false;
  return timingSafeEqual(digest(expected), digest(presented));
}

/** The token a request presents: `Authorization: Bearer …`, else `?token=…` (for the page's own EventSource). */
export function presentedToken(authorization: string | undefined, url: URL): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (match) return match[1];
  return url.searchParams.get('token');
}
