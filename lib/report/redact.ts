import type { Report } from './types.js';

/**
 * The report with every known secret replaced, in the text and in the marker a webhook forwards: a log line or a
 * command line that echoes a key must not carry it to a chat service.
 */
export function redactReport(report: Report, redact: (text: string) => string): Report {
  return {
    ...report,
    title: redact(report.title),
    summary: report.summary.map(([label, value]) => [label, redact(value)]),
    errorExcerpt: report.errorExcerpt.map(redact),
    logTail: report.logTail.map(redact),
    logNote: report.logNote === null ? null : redact(report.logNote),
    marker: redactValue(report.marker, redact),
    digest: report.digest && { ...report.digest, markers: report.digest.markers.map((m) => redactValue(m, redact)) },
  };
}

// Every string inside a JSON-like value, redacted; the shape is kept.
function redactValue<T>(value: T, redact: (text: string) => string): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactValue(v, redact)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValue(v, redact)])) as T;
  }
  return value;
}
