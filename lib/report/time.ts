/** ISO times shown as `2024-01-01 11:34:50 +08:00` (`UTC` for `Z`); anything else as given. */
export function formatTime(value: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/.exec(value);
  if (!match) return value;
  return match[3] ? `${match[1]} ${match[2]} ${match[3] === 'Z' ? 'UTC' : match[3]}` : `${match[1]} ${match[2]}`;
}
