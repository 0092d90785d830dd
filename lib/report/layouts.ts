import { translate } from './i18n.js';
import { taskIdOf } from './digest.js';
import type { RenderFormat, Report } from './types.js';

/** How much of each part a rendering keeps; the cut drops the oldest log lines, then excerpt, then summary. */
export interface Plan {
  summary: number;
  excerpt: number;
  tail: number;
}

export type Layout = (report: Report, plan: Plan) => string;

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
  const ofTask = report.digest && report.digest.failed_task_ids.length > 0;
  const params = { n: tail.length, task: taskIdOf(report.marker) };
  const tailHeading = report.tailAfterError
    ? t(ofTask ? 'section.log_after_error_of' : 'section.log_after_error', params)
    : t(ofTask ? 'section.log_tail_of' : 'section.log_tail', params);
  return {
    reason: report.reason ? oneLine(report.reason) : null,
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

// Plain text: the reason, `Label: value` lines, then blocks of log lines.
function layoutText(report: Report, plan: Plan): string {
  const p = keptParts(report, plan);
  const blocks: string[] = [];
  if (p.reason) blocks.push(p.reason);
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

// Markdown: the reason in bold, a list of bold labels, then fenced blocks for the excerpt and the log.
function layoutMarkdown(report: Report, plan: Plan): string {
  const p = keptParts(report, plan);
  const blocks: string[] = [];
  if (p.reason) blocks.push(`**${escapeMarkdown(p.reason)}**`);
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

// Look-alikes for the characters the group robots' markdown reads as markup (bold/italic, inline code, links,
// `<font>` and `<@user>` tags): their subsets have no backslash escapes, which would show as typed.
const LITE_LOOKALIKE: Record<string, string> = { '*': '∗', '`': 'ˋ', '[': '［', ']': '］', '<': '‹' };
const NBSP = '\u00a0';

/**
 * Text made safe for the markdown subset of WeCom and DingTalk group robots without backslash escapes: markup
 * characters become look-alikes, leading spaces non-breaking (indentation survives, no code block starts), and
 * a line that would open a heading, quote or list starts with a non-breaking space.
 */
export function plainLite(text: string): string {
  const swapped = oneLine(text).replace(/[*`[\]<]/g, (c) => LITE_LOOKALIKE[c] ?? c);
  const indented = swapped.replace(/^ +/, (spaces) => NBSP.repeat(spaces.length));
  return /^([#>+\-=]|\d+[.)])/.test(indented) ? NBSP + indented : indented;
}

// The group robots' markdown subset (WeCom, DingTalk): bold, quotes and hard line breaks only; log lines quoted.
function layoutLite(report: Report, plan: Plan): string {
  const p = keptParts(report, plan);
  const blocks: string[] = [];
  const lines = (items: string[]) => items.join('  \n');
  const quoted = (heading: string, items: string[]) =>
    `**${plainLite(heading)}**\n${lines(items.map((line) => `> ${plainLite(line) || NBSP}`))}`;
  if (p.reason) blocks.push(`**${plainLite(p.reason)}**`);
  const facts = p.summary.map(([label, value]) => `**${plainLite(label)}**${p.colon}${plainLite(value)}`);
  if (p.summaryNote) facts.push(plainLite(p.summaryNote));
  if (facts.length) blocks.push(lines(facts));
  if (p.excerpt.length) blocks.push(quoted(p.errorHeading, p.excerpt));
  if (p.tail.length) blocks.push(quoted(p.tailHeading, p.tail));
  if (report.logNote) blocks.push(plainLite(report.logNote));
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
  if (p.reason) blocks.push(`<b>${escapeHtml(p.reason)}</b>`);
  const facts = p.summary.map(([label, value]) => `<b>${escapeHtml(label)}</b>${p.colon}${escapeHtml(oneLine(value))}`);
  if (p.summaryNote) facts.push(escapeHtml(p.summaryNote));
  if (facts.length) blocks.push(facts.join('\n'));
  const pre = (heading: string, lines: string[]) => `<b>${escapeHtml(heading)}</b>\n<pre>${lines.map(escapeHtml).join('\n')}</pre>`;
  if (p.excerpt.length) blocks.push(pre(p.errorHeading, p.excerpt));
  if (p.tail.length) blocks.push(pre(p.tailHeading, p.tail));
  if (report.logNote) blocks.push(`<i>${escapeHtml(report.logNote)}</i>`);
  return blocks.join('\n\n');
}

export const LAYOUTS: Record<RenderFormat, Layout> = {
  text: layoutText,
  markdown: layoutMarkdown,
  'markdown-lite': layoutLite,
  html: layoutHtml,
};

/** How the last-resort cut escapes a bare line for a format. */
export const ESCAPES: Record<RenderFormat, (text: string) => string> = {
  text: (s) => s,
  markdown: escapeMarkdown,
  'markdown-lite': plainLite,
  html: escapeHtml,
};
