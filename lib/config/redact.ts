/** Secrets shorter than this are not replaced: they would mangle ordinary text and protect nothing. */
export const MIN_SECRET_LENGTH = 4;

/**
 * A function replacing every secret in a text with `***`, longest first, also in URL-encoded form
 * (keys end up inside request URLs), so a shorter secret inside a longer one never leaves a fragment behind.
 */
export function createRedactor(secrets: readonly string[]): (text: string) => string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) continue;
    forms.add(secret);
    forms.add(encodeURIComponent(secret));
    forms.add(encodeURI(secret));
  }
  if (forms.size === 0) return redactUrlQueries;
  const ordered = [...forms].sort((a, b) => b.length - a.length);
  const pattern = new RegExp(ordered.map(escapeRegExp).join('|'), 'g');
  return (text) => redactUrlQueries(String(text).replace(pattern, '***'));
}

const URL_IN_TEXT = /\bhttps?:\/\/[^\s"'<>]+/gi;
const QUERY_PARAM = /([?&])([^=&#]+)=([^&#]*)/g;
const SECRET_PARAM = /token|key|secret|sig|pass|auth|code|credential|session/i;
const OPAQUE_VALUE = /^[A-Za-z0-9_\-.~%+/=]{16,}$/;

/**
 * Stars out query values of URLs that carry secrets (a webhook URL with `?token=…`): every value of a parameter
 * named like a secret, and every long opaque value, whatever its name. Short plain values (`?format=json`) stay.
 */
export function redactUrlQueries(text: string): string {
  return String(text).replace(URL_IN_TEXT, (url) =>
    url.replace(QUERY_PARAM, (whole, sep: string, name: string, value: string) =>
      value && value !== '***' && (SECRET_PARAM.test(name) || OPAQUE_VALUE.test(value)) ? `${sep}${name}=***` : whole,
    ),
  );
}

// Makes a literal string safe inside a regular expression.
function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
