/** Just enough MIME reading for tests: headers, RFC 2047 words, and the parts of a multipart message. */
export interface MimePart {
  headers: Record<string, string>;
  body: string;
}

// Unfolds and splits a header block into lower-cased names.
function parseHeaders(block: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of block.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const at = line.indexOf(':');
    if (at > 0) headers[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim();
  }
  return headers;
}

/** Decodes `=?UTF-8?B?…?=` and `=?UTF-8?Q?…?=` words. */
export function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?utf-8\?([bq])\?([^?]*)\?=/gi, (_, enc: string, text: string) =>
      enc.toLowerCase() === 'b' ? Buffer.from(text, 'base64').toString('utf8') : decodeQuotedPrintable(text.replace(/_/g, ' ')));
}

function decodeQuotedPrintable(text: string): string {
  const bytes: number[] = [];
  const soft = text.replace(/=\r?\n/g, '');
  for (let i = 0; i < soft.length; i++) {
    if (soft[i] === '=' && /^[0-9A-F]{2}$/i.test(soft.slice(i + 1, i + 3))) {
      bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(soft[i], 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function decodeBody(headers: Record<string, string>, body: string): string {
  const encoding = (headers['content-transfer-encoding'] ?? '').toLowerCase();
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(body);
  return body;
}

/** Splits a raw message into its headers and its leaf parts, each decoded. */
export function parseMessage(raw: string): { headers: Record<string, string>; parts: MimePart[] } {
  const split = raw.search(/\r?\n\r?\n/);
  const headers = parseHeaders(raw.slice(0, split));
  const body = raw.slice(split).replace(/^\r?\n\r?\n/, '');
  return { headers, parts: leafParts(headers, body) };
}

function leafParts(headers: Record<string, string>, body: string): MimePart[] {
  const boundary = /boundary="?([^";]+)"?/i.exec(headers['content-type'] ?? '')?.[1];
  if (!boundary) return [{ headers, body: decodeBody(headers, body) }];
  const chunks = body.split(`--${boundary}`).slice(1);
  const parts: MimePart[] = [];
  for (const chunk of chunks) {
    if (chunk.startsWith('--')) break;
    const inner = chunk.replace(/^\r?\n/, '');
    const at = inner.search(/\r?\n\r?\n/);
    const h = parseHeaders(inner.slice(0, at));
    parts.push(...leafParts(h, inner.slice(at).replace(/^\r?\n\r?\n/, '').replace(/\r?\n$/, '')));
  }
  return parts;
}
