import { fitsLimits, truncateToLimit } from './limits.js';
import { ESCAPES, LAYOUTS, type Layout, type Plan } from './layouts.js';
import { fitTitle } from './title.js';
import type { RenderedReport, RenderFormat, RenderLimits, Report } from './types.js';

export { escapeHtml, escapeMarkdown, plainLite } from './layouts.js';

/**
 * Lays a report out as text, markdown, the group robots' markdown subset (`markdown-lite`: no code blocks, no
 * lists, no backslash escapes) or HTML (Telegram-safe tags only: b, i, pre), the reason line first, and cuts the
 * body to the limits, keeping the reason, the summary and the END of the log: the oldest log lines go first, then
 * the excerpt is shortened, then the summary as a last resort. The title is plain text within `maxTitleChars`,
 * keeping status and run name (see fitTitle). `maxChars`/`maxBytes` apply to the body; a channel that puts the
 * title into the body subtracts it first.
 */
export function renderReport(report: Report, format: RenderFormat, limits: RenderLimits = {}): RenderedReport {
  return { title: renderTitle(report, limits.maxTitleChars), body: renderBody(report, LAYOUTS[format], format, limits) };
}

/** The report's title within `maxChars` (plain text), status and run name kept. */
export function renderTitle(report: Report, maxChars?: number): string {
  if (report.titleParts && report.titleParts.length > 0) return fitTitle(report.titleParts, maxChars);
  return maxChars !== undefined ? truncateToLimit(report.title, { maxChars }) : report.title;
}

// Finds the fullest plan that fits, part by part, in the order the cut drops them.
function renderBody(report: Report, layout: Layout, format: RenderFormat, limits: RenderLimits): string {
  const full: Plan = { summary: report.summary.length, excerpt: report.errorExcerpt.length, tail: report.logTail.length };
  const fits = (plan: Plan) => fitsLimits(layout(report, plan), limits);
  if (fits(full)) return layout(report, full);
  const minTail = Math.min(1, full.tail);
  const steps: Array<(n: number) => Plan> = [
    (n) => ({ ...full, tail: n }),
    (n) => ({ ...full, tail: minTail, excerpt: n }),
    (n) => ({ summary: n, excerpt: 0, tail: minTail }),
  ];
  const lows = [minTail, 0, 0];
  const highs = [full.tail, full.excerpt, full.summary];
  for (let i = 0; i < steps.length; i++) {
    const best = largestFitting(lows[i], highs[i], (n) => fits(steps[i](n)));
    if (best !== null) return layout(report, steps[i](best));
  }
  return renderLastResort(report, layout, format, limits);
}

// Binary search for the largest n in [low, high] that fits; null when even `low` does not.
function largestFitting(low: number, high: number, fits: (n: number) => boolean): number | null {
  if (!fits(low)) return null;
  let [lo, hi] = [low, high];
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

// Limits too small for the summary with the last log line: the layout with only the end of that line, and
// failing that, the end of the line (or the note, or the title) alone, escaped.
function renderLastResort(report: Report, layout: Layout, format: RenderFormat, limits: RenderLimits): string {
  const lastLine = report.logTail[report.logTail.length - 1];
  if (lastLine !== undefined) {
    const bare = (n: number): Report => ({ ...report, reason: null, summary: [], errorExcerpt: [], logNote: null,
      logTail: [truncateToLimit(lastLine, { maxChars: n }, { keep: 'end' })] });
    const plan = { summary: 0, excerpt: 0, tail: 1 };
    const best = largestFitting(2, Array.from(lastLine).length, (n) => fitsLimits(layout(bare(n), plan), limits));
    if (best !== null) return layout(bare(best), plan);
  }
  const source = lastLine ?? report.reason ?? report.logNote ?? report.title;
  const keep = lastLine !== undefined ? 'end' : 'start';
  const escape = ESCAPES[format];
  const chars = Array.from(source);
  const attempt = (n: number) => escape(truncateToLimit(source, { maxChars: n }, { keep }));
  const best = largestFitting(0, chars.length, (n) => fitsLimits(attempt(n), limits));
  return best === null ? '' : attempt(best);
}
