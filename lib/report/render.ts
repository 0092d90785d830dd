import { translate } from './i18n.js';
import { fitsLimits, truncateToLimit } from './limits.js';
import { taskIdOf } from './digest.js';
import type { RenderedReport, RenderFormat, RenderLimits, Report } from './types.js';

/** How much of each part a rendering keeps; the cut drops the oldest log lines, then excerpt, then summary. */
interface Plan {
  summary: number;
  excerpt: number;
  tail: number;
}

type Layout = (report: Report, plan: Plan) => string;

/**
 * Lays a report out as text, markdown or HTML (Telegram-safe tags only: b, i, pre) and cuts the body to the
 * limits, keeping the summary and the END of the log: the oldest log lines go first, then the excerpt is
 * shortened, then the summary as a last resort. The title is plain text cut to `maxTitleChars`.
 * `maxChars`/`maxBytes` apply to the body; a channel that puts the title into the body subtracts it first.
 */
export function renderReport(report: Report, format: RenderFormat, limits: RenderLimits = {}): RenderedReport {
  const title = limits.maxTitleChars !== undefined ? truncateToLimit(report.title, { maxChars: limits.maxTitleChars }) : report.title;
  return { title, body: renderBody(report, LAYOUTS[format], format, limits) };
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
    const bare = (n: number): Report => ({ ...report, summary: [], errorExcerpt: [], logNote: null,
      logTail: [truncateToLimit(lastLine, { maxChars: n }, { keep: 'end' })] });
    const plan = { summary: 0, excerpt: 0, tail: 1 };
    const best = largestFitting(2, Array.from(lastLine).length, (n) => fitsLimits(layout(bare(n), plan), limits));
    if (best !== null) return layout(bare(best), plan);
  }
  const source = lastLine ?? report.logNote ?? report.title;
  const keep = lastLine !== undefined ? 'end' : 'start';
  const escape = format === 'html' ? escapeHtml : format === 'markdown' ? escapeMarkdown : (s: string) => s;
  const chars = Array.from(source);
  const attempt = (n: number) => escape(truncateToLimit(source, { maxChars: n }, { keep }));
  const best = largestFitting(0, chars.length, (n) => fitsLimits(attempt(n), limits));
  return best === null ? '' : attempt(best);
}

// The parts a plan keeps, with the markers that say what was left out.
function keptParts(report: Report, plan: Plan) {
  const t = translate.bind(null, report.language);
  const summary = report.summary.slice(0, plan.summary);
  const summaryOmitted = report.summary.length - summary.length;
  let excerpt = report.errorExcerpt;
  if (plan.excerpt < excerpt.length) {
    const dropped = excerpt.length - plan.excerpt;
    const marker = t('render.excerpt_omitted', { n: dropped });
    // Keep the first line (e.g. `Traceback …`) and the end, where the exception is.
    excerpt = plan.excerpt === 0 ? [] : plan.excerpt === 1 ? [marker, excerpt[excerpt.length - 1]]
      : [excerpt[0], marker, ...excerpt.slice(excerpt.length - (plan.excerpt - 1))];
  }
  const tail = plan.tail > 0 ? report.logTail.slice(-plan.tail) : [];
  const tailHeading = report.digest && report.digest.failed_task_ids.length > 0
    ? t('section.log_tail_of', { n: tail.length, task: taskIdOf(report.marker) })
    : t('section.log_tail', { n: tail.length });
  return {
    summary,
    summaryNote: summaryOmitted > 0 ? t('render.summary_omitted', { n: summaryOmitted }) : null,
    excerpt,
    errorHeading: t('section.error'),
    tail,
    tailHeading,
    colon: t('punct.colon'),
  };
}

const oneLine = (value: string) => value.replace(/[\r\n]+/g, ' ');

// Plain text: `Label: value` lines, then indented-free blocks of log lines.
function layoutText(report: Report, plan: Plan): string {
  const p = keptParts(report, plan);
  const blocks: string[] = [];
  const facts = p.summary.map(([label, value]) => `${label}${p.colon}${oneLine(value)}`);
  if (p.summaryNote) facts.push(p.summaryNote);
  if (facts.length) blocks.push(facts.join('\n'));
  if (p.excerpt.length) blocks.push(`${p.errorHeading}${p.colon.trimEnd()}\n${p.excerpt.join('\n')}`);
  if (p.tail.length) blocks.push(`${p.tailHeading}${p.colon.trimEnd()}\n${p.tail.join('\n')}`);
  if (report.logNote) blocks.push(report.logNote);
  return blocks.join('\n\n');
}

/** Escapes the characters CommonMark would read as markup in running text. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_[\]<>|~]/g, '\\$&').replace(/^([#+\-=>]|\d+\.)/, '\\$1');
}

// A code fence longer than any backtick run inside, so that log lines can never close it.
function fenceFor(lines: string[]): string {
  let longest = 0;
  for (const line of lines) for (const run of line.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  return '`'.repeat(Math.max(3, longest + 1));
}

// Markdown: a list of bold labels, then fenced blocks for the excerpt and the log.
function layoutMarkdown(report: Report, plan: Plan): string {
  const p = keptParts(report, plan);
  const blocks: string[] = [];
  const facts = p.summary.map(([label, value]) => `- **${escapeMarkdown(label)}**${p.colon}${escapeMarkdown(oneLine(value))}`);
  if (p.summaryNote) facts.push(`- ${escapeMarkdown(p.summaryNote)}`);
  if (facts.length) blocks.push(facts.join('\n'));
  const fenced = (heading: string, lines: string[]) => {
    const fence = fenceFor(lines);
    return `**${escapeMarkdown(heading)}**\n${fence}\n${lines.join('\n')}\n${fence}`;
  };
  if (p.excerpt.length) blocks.push(fenced(p.errorHeading, p.excerpt));
  if (p.tail.length) blocks.push(fenced(p.tailHeading, p.tail));
  if (report.logNote) blocks.push(`*${escapeMarkdown(report.logNote)}*`);
  return blocks.join('\n\n');
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

// HTML with newlines for breaks and only b, i and pre, which Telegram, e-mail and most chat tools accept.
function layoutHtml(report: Report, plan: Plan): string {
  const p = keptParts(report, plan);
  const blocks: string[] = [];
  const facts = p.summary.map(([label, value]) => `<b>${escapeHtml(label)}</b>${p.colon}${escapeHtml(oneLine(value))}`);
  if (p.summaryNote) facts.push(escapeHtml(p.summaryNote));
  if (facts.length) blocks.push(facts.join('\n'));
  const pre = (heading: string, lines: string[]) => `<b>${escapeHtml(heading)}</b>\n<pre>${lines.map(escapeHtml).join('\n')}</pre>`;
  if (p.excerpt.length) blocks.push(pre(p.errorHeading, p.excerpt));
  if (p.tail.length) blocks.push(pre(p.tailHeading, p.tail));
  if (report.logNote) blocks.push(`<i>${escapeHtml(report.logNote)}</i>`);
  return blocks.join('\n\n');
}

const LAYOUTS: Record<RenderFormat, Layout> = { text: layoutText, markdown: layoutMarkdown, html: layoutHtml };
