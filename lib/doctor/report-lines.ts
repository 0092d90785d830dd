/** One line of `doctor`: passed, failed (exit 1), or a note that needs no action to pass. */
export interface CheckLine {
  mark: 'ok' | 'fail' | 'note';
  text: string;
  /** What to do about it (failures and notes). */
  fix?: string;
}

const MARKS: Record<CheckLine['mark'], string> = { ok: '✓', fail: '✗', note: '!' };

/** `✓ text`, `✗ text` or `! text`, with the fix on an indented line below. */
export function formatCheckLine(line: CheckLine): string {
  const head = `${MARKS[line.mark]} ${line.text}`;
  return line.fix ? `${head}\n    fix: ${line.fix}` : head;
}
