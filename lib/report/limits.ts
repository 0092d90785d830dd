import type { RenderLimits } from './types.js';

/** Characters as vendors count them: Unicode code points (a surrogate pair is one). */
export function countChars(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}

/** UTF-8 bytes. */
export function countBytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** True when the text is within every limit given (maxChars in code points, maxBytes in UTF-8 bytes). */
export function fitsLimits(text: string, limits: RenderLimits): boolean {
  if (limits.maxChars !== undefined && (text.length > limits.maxChars ? countChars(text) > limits.maxChars : false)) return false;
  if (limits.maxBytes !== undefined && (text.length * 3 > limits.maxBytes ? countBytes(text) > limits.maxBytes : false)) return false;
  return true;
}

/**
 * Cuts plain text to the limits, marking the cut with `…`: `keep: 'start'` (default) keeps the beginning,
 * `'end'` keeps the end (log tails). Never splits a character, so never a surrogate pair or a UTF-8 sequence.
 */
export function truncateToLimit(text: string, limits: RenderLimits, options: { keep?: 'start' | 'end'; ellipsis?: string } = {}): string {
  if (fitsLimits(text, limits)) return text;
  const ellipsis = options.ellipsis ?? '…';
  const maxChars = (limits.maxChars ?? Number.POSITIVE_INFINITY) - countChars(ellipsis);
  const maxBytes = (limits.maxBytes ?? Number.POSITIVE_INFINITY) - countBytes(ellipsis);
  if (maxChars < 0 || maxBytes < 0) return '';
  const chars = Array.from(text);
  if (options.keep === 'end') chars.reverse();
  let kept = 0;
  let bytes = 0;
  while (kept < chars.length && kept < maxChars) {
    const size = countBytes(chars[kept]);
    if (bytes + size > maxBytes) break;
    bytes += size;
    kept++;
  }
  const part = chars.slice(0, kept);
  return options.keep === 'end' ? ellipsis + part.reverse().join('') : part.join('') + ellipsis;
}
