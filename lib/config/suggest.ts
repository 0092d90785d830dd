/** The known word closest to `word` (a typo's likely intent), or undefined when none is close enough. */
export function closestWord(word: string, known: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  // Short words allow one edit, longer ones two (a swapped pair counts as one).
  const allowed = Math.min(2, Math.max(1, Math.floor(word.length / 4)));
  return best !== undefined && bestDistance <= allowed && best !== word ? best : undefined;
}

// Edits (insert, delete, substitute, swap two neighbours) that turn `a` into `b`.
function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i += 1) {
    for (let j = 1; j < cols; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** `<path> is not a known setting and is ignored[: did you mean 'x'?] (known: …)`. */
export function unknownKeyMessage(path: string, key: string, known: readonly string[]): string {
  return `${path} ${unknownKeyNote(key, known)}`;
}

/** `is not a known setting and is ignored[: did you mean 'x'?] (known: …)`. */
export function unknownKeyNote(key: string, known: readonly string[]): string {
  const match = closestWord(key, known);
  return `is not a known setting and is ignored${match ? `: did you mean '${match}'?` : ''} (known: ${known.join(', ')})`;
}
