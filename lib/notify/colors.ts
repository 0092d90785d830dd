import type { Severity } from '../common/marker.js';

/** One colour per severity, shared by the chat channels that show a coloured bar. */
export const SEVERITY_COLOR: Record<Severity, number> = {
  info: 0x2eb67d,
  warning: 0xecb22e,
  error: 0xe01e5a,
  critical: 0x8b0000,
};

/** `#rrggbb` for services that take colours as text. */
export function colorHex(severity: Severity): string {
  return `#${SEVERITY_COLOR[severity].toString(16).padStart(6, '0')}`;
}
