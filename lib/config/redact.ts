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
  if (forms.size === 0) return (text) => text;
  const ordered = [...forms].sort((a, b) => b.length - a.length);
  const pattern = new RegExp(ordered.map(escapeRegExp).join('|'), 'g');
  return (text) => String(text).replace(pattern, '***');
}

// Makes a literal string safe inside a regular expression.
function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
