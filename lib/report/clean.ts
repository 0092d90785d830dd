/** Default for `report.max_line_length`: longer log lines keep their head and tail around `…`. */
export const DEFAULT_MAX_LINE_LENGTH = 500;

// ESC-introduced sequences: CSI (incl. private modes), OSC (BEL or ST terminated), DCS/SOS/PM/APC strings,
// charset designations and the remaining two-byte escapes; then the 8-bit C1 CSI/OSC forms.
const ANSI = new RegExp(
  [
    '\\x1b\\[[0-?]*[ -/]*[@-~]',
    '\\x1b\\][^\\x07\\x1b]*(?:\\x07|\\x1b\\\\)?',
    '\\x1b[PX^_][^\\x1b]*(?:\\x1b\\\\)?',
    '\\x1b[()*+#%][0-9A-Za-z@]?',
    '\\x1b[ -/]*[0-~]',
    '\\x9b[0-?]*[ -/]*[@-~]',
    '\\x9d[^\\x07\\x9c]*(?:\\x07|\\x9c)?',
  ].join('|'),
  'g',
);
// C0 controls other than tab (CR is handled before), DEL, C1 controls, and a stray ESC left over.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/g;

/** Removes ANSI/VT escape sequences (colours, cursor moves, OSC titles and links). */
export function stripAnsi(text: string): string {
  return text.includes('\x1b') || /[\x9b\x9d]/.test(text) ? text.replace(ANSI, '') : text;
}

/** Keeps what a terminal last showed of a line redrawn with `\r` (tqdm, pip, wget progress bars). */
export function collapseCarriageReturns(line: string): string {
  if (!line.includes('\r')) return line;
  const parts = line.split('\r');
  for (let i = parts.length - 1; i >= 0; i--) {
    if (parts[i].trim() !== '') return parts[i];
  }
  return '';
}

/** Shortens a line longer than `max` code points to its head and tail around `…`, never splitting a character. */
export function shortenLine(line: string, max: number = DEFAULT_MAX_LINE_LENGTH): string {
  if (max <= 0 || line.length <= max) return line;
  const chars = Array.from(line);
  if (chars.length <= max) return line;
  if (max === 1) return '…';
  const head = Math.ceil((max - 1) / 2);
  const tail = max - 1 - head;
  return `${chars.slice(0, head).join('')}…${tail > 0 ? chars.slice(chars.length - tail).join('') : ''}`;
}

/** One log line as a report shows it: escapes stripped, progress collapsed, controls and NULs dropped, shortened. */
export function cleanLine(line: string, maxLength: number = DEFAULT_MAX_LINE_LENGTH): string {
  const collapsed = collapseCarriageReturns(stripAnsi(line));
  return shortenLine(collapsed.replace(CONTROL, '').trimEnd(), maxLength);
}

/** The first line of a Python traceback. */
export const TRACEBACK_HEADER = 'Traceback (most recent call last):';

/**
 * Cleans every line (see cleanLine); decoding already replaced invalid UTF-8 with U+FFFD. A traceback header
 * joined to the end of another line is put on a line of its own: stdout and stderr reach the log through two
 * copiers, and an unbuffered Python `print` writes its text and its newline apart, so a crash right after a print
 * can land between the two (`loss=0.4Traceback (most recent call last):`). Text before the header that the next
 * line repeats is a launcher's prefix (`[rank1]: `) and stays.
 */
export function cleanLines(lines: string[], maxLength: number = DEFAULT_MAX_LINE_LENGTH): string[] {
  const cleaned = lines.map((line) => cleanLine(line, maxLength));
  return cleaned.flatMap((line, i) => {
    const at = line.indexOf(TRACEBACK_HEADER);
    if (at <= 0 || i + 1 >= cleaned.length) return [line];
    const before = line.slice(0, at);
    return cleaned[i + 1].startsWith(before) ? [line] : [before, line.slice(at)];
  });
}
