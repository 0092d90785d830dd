/** Why a request got no HTTP answer, in the words the user reads (the same on every Node line). */
export type NetworkReason = 'refused' | 'tls' | 'reset' | 'timeout' | 'not-found' | 'unreachable' | 'closed' | 'other';

// Most telling first: a refusal or a TLS failure says more than the generic errors wrapped around it.
const PRIORITY: NetworkReason[] = ['refused', 'tls', 'reset', 'timeout', 'not-found', 'unreachable', 'closed', 'other'];

const CODES: Record<string, NetworkReason> = {
  ECONNREFUSED: 'refused',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  ETIMEDOUT: 'timeout',
  ESOCKETTIMEDOUT: 'timeout',
  ERR_SOCKET_CONNECTION_TIMEOUT: 'timeout',
  ENOTFOUND: 'not-found',
  EAI_AGAIN: 'not-found',
  EAI_NONAME: 'not-found',
  EDNS: 'not-found',
  ENETUNREACH: 'unreachable',
  EHOSTUNREACH: 'unreachable',
  ENETDOWN: 'unreachable',
  EHOSTDOWN: 'unreachable',
  EPROTO: 'tls',
  // Node 24.20+ rejects a body written while connecting with this, not with the refusal behind it.
  ERR_SOCKET_CLOSED_BEFORE_CONNECTION: 'closed',
};

const TLS_CODE = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|HOSTNAME_MISMATCH|ALTNAME|ERR_OSSL/i;
const CODE_IN_TEXT = /\b(E[A-Z_]{3,}|ERR_[A-Z_]+)\b/;

interface Found {
  reason: NetworkReason;
  error: ErrorLike;
}

interface ErrorLike {
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  errors?: unknown;
}

/**
 * One plain phrase for a request that got no HTTP answer, naming the configured host and port, never a raw error
 * code: the most telling reason anywhere in the error's cause chain (`cause`, an AggregateError's `errors`), else
 * in the errors of earlier attempts of the same request (which Node 24.20+ may hide behind a generic one).
 */
export function describeNetworkError(error: unknown, url: string, timeoutMs: number, earlier: unknown[] = []): string {
  if (asErrorLike(error).code === 'ERR_INVALID_URL') return 'invalid URL';
  const own = mostTelling(error);
  const found = own && own.reason !== 'closed' ? own : (mostTelling(...earlier) ?? own ?? { reason: 'other', error: asErrorLike(error) });
  return phrase(found, url, timeoutMs);
}

/** The reason class of an error chain (for retry decisions and tests). */
export function networkReason(error: unknown): NetworkReason {
  return mostTelling(error)?.reason ?? 'other';
}

// The phrase for one reason.
function phrase(found: Found, url: string, timeoutMs: number): string {
  const where = hostPort(url);
  switch (found.reason) {
    case 'refused':
      return `connection refused by ${where}`;
    case 'timeout':
      return `timed out after ${formatSeconds(timeoutMs)} s (${where})`;
    case 'not-found':
      return `host not found: ${where}`;
    case 'reset':
      return `connection reset by ${where}`;
    case 'unreachable':
      return `network unreachable: ${where}`;
    case 'tls':
      return `TLS failure with ${where}: ${tlsWords(found.error, url)}`;
    case 'closed':
      return `could not connect to ${where} (closed before connecting)`;
    default:
      return `network error with ${where}: ${plainMessage(found.error)}`;
  }
}

// Every error in the chain, depth first: the error, its AggregateError members, then its cause.
function* walk(error: unknown, depth = 0): Generator<ErrorLike> {
  if (error === null || error === undefined || depth > 8) return;
  const e = asErrorLike(error);
  yield e;
  if (Array.isArray(e.errors)) for (const member of e.errors) yield* walk(member, depth + 1);
  if (e.cause !== undefined && e.cause !== error) yield* walk(e.cause, depth + 1);
}

// The highest-priority reason found in any of the chains.
function mostTelling(...errors: unknown[]): Found | undefined {
  let best: Found | undefined;
  for (const root of errors) {
    for (const e of walk(root)) {
      const reason = reasonOf(e);
      if (reason && (!best || PRIORITY.indexOf(reason) < PRIORITY.indexOf(best.reason))) best = { reason, error: e };
    }
  }
  return best;
}

// One error's reason, from its code, else from a code written in its message (SMTP libraries do that).
function reasonOf(e: ErrorLike): NetworkReason | undefined {
  const code = typeof e.code === 'string' ? e.code : '';
  const fromCode = classify(code);
  if (fromCode) return fromCode;
  const text = typeof e.message === 'string' ? e.message : '';
  const inText = CODE_IN_TEXT.exec(text)?.[1] ?? '';
  return classify(inText) ?? (/certificate|self[- ]signed|wrong version number/i.test(text) ? 'tls' : undefined);
}

const classify = (code: string): NetworkReason | undefined => CODES[code] ?? (code && TLS_CODE.test(code) ? 'tls' : undefined);

// What went wrong in the handshake, in words.
function tlsWords(e: ErrorLike, url: string): string {
  const code = typeof e.code === 'string' ? e.code : '';
  const text = `${code} ${typeof e.message === 'string' ? e.message : ''}`;
  if (/SELF_SIGNED|self[- ]signed/i.test(text)) return 'certificate not trusted (self-signed)';
  if (/UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|CERT_UNTRUSTED|unable to verify|local issuer/i.test(text)) {
    return 'certificate not trusted (unknown issuer)';
  }
  if (/EXPIRED|expired/i.test(text)) return 'certificate expired';
  if (/NOT_YET_VALID|not yet valid/i.test(text)) return 'certificate not yet valid';
  if (/HOSTNAME_MISMATCH|ALTNAME|does not match|altnames/i.test(text)) return `certificate does not name ${hostOnly(url)}`;
  if (/wrong version number|EPROTO|packet length too long/i.test(text)) return 'the server does not speak TLS on that port';
  return plainMessage(e);
}

// The message without the error codes Node puts in it.
function plainMessage(e: ErrorLike): string {
  const text = typeof e.message === 'string' && e.message !== '' ? e.message : 'no answer';
  return (
    text
      .replace(/^Error \[[A-Z_]+\]:\s*/, '')
      .replace(/\s*\b(E[A-Z_]{3,}|ERR_[A-Z_]+)\b:?\s*/g, ' ')
      .replace(/\s+/g, ' ')
      .trim() || 'no answer'
  );
}

const asErrorLike = (error: unknown): ErrorLike =>
  typeof error === 'object' && error !== null ? (error as ErrorLike) : { message: String(error) };

// `host:port` of a URL, the scheme's port when none is written; a neutral word when the URL does not parse.
function hostPort(url: string): string {
  try {
    const parsed = new URL(url);
    const port = parsed.port || (parsed.protocol === 'https:' ? '443' : parsed.protocol === 'http:' ? '80' : '');
    return port ? `${parsed.hostname}:${port}` : parsed.hostname;
  } catch {
    return 'the service';
  }
}

function hostOnly(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return 'the service';
  }
}

// `10`, `0.5`: seconds as a user wrote them.
const formatSeconds = (ms: number): string => String(Math.round(ms / 100) / 10);
