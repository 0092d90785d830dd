import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { buildReport } from '../../lib/report/build.js';
import { cleanLine } from '../../lib/report/clean.js';
import { countBytes, countChars, truncateToLimit } from '../../lib/report/limits.js';
import { renderReport } from '../../lib/report/render.js';
import type { RenderFormat, RenderLimits, Report } from '../../lib/report/types.js';
import { makeTempDir } from '../helpers/run-bin.js';
import { makeMarker } from '../helpers/marker.js';
import { reportConfig } from '../helpers/report-config.js';

const LOG = 'logs/train.log';
const LINES = 100_000;
const FORMATS: RenderFormat[] = ['text', 'markdown', 'markdown-lite', 'html'];
const LIMITS: RenderLimits[] = [
  { maxChars: 2000 }, { maxChars: 4000 }, { maxChars: 4096 }, { maxChars: 40000 },
  { maxBytes: 4096 }, { maxBytes: 20000 }, { maxChars: 4000, maxBytes: 4096 },
];
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

let tmp: { dir: string; cleanup: () => void };
let work: string;
let lastLine: string;

// Line i of the big log: Chinese progress text, every 10th line 800 Chinese characters, some ANSI and emoji.
function logLine(i: number): string {
  if (i === LINES - 1) return `最后一行：训练结束 🚀 ${'终'.repeat(900)} END`;
  if (i % 10 === 0) return `第${i}步 长行 ${'训练数据加载缓慢，请检查文件系统。'.repeat(50)}`;
  if (i % 17 === 0) return `\x1b[33m警告\x1b[0m 第${i}步 梯度范数 12.5 ⚠️ \`code\` <tag> & *星号* _下划线_`;
  return `第${i}步 损失=0.${String(i).padStart(5, '0')} 学习率=3e-4 吞吐量=1234 样本/秒`;
}

beforeAll(() => {
  tmp = makeTempDir('hpc-run-render-');
  work = join(tmp.dir, 'work');
  mkdirSync(join(work, 'logs'), { recursive: true });
  const fd = openSync(join(work, LOG), 'w');
  let batch: string[] = [];
  for (let i = 0; i < LINES; i++) {
    if (i === LINES - 30) {
      batch.push('Traceback (most recent call last):', '  File "训练.py", line 42, in <module>', '    训练()', 'RuntimeError: 数据加载失败：文件不存在');
    }
    batch.push(logLine(i));
    if (batch.length >= 5000) {
      writeSync(fd, `${batch.join('\n')}\n`);
      batch = [];
    }
  }
  writeSync(fd, `${batch.join('\n')}\n`);
  closeSync(fd);
  lastLine = cleanLine(logLine(LINES - 1), 500);
});
afterAll(() => tmp.cleanup());

const build = (language: 'en' | 'zh', include: number) =>
  buildReport(
    makeMarker({ log_file: LOG, work_dir: work }),
    { workDir: work, report: reportConfig({ language, include_last_n_lines: include }) },
  );

// Markdown fences open and close in pairs: every fence line is closed by the same fence.
function fencesBalanced(body: string): boolean {
  let open: string | null = null;
  for (const line of body.split('\n')) {
    const fence = /^(`{3,})$/.exec(line)?.[1];
    if (!fence) continue;
    if (open === null) open = fence;
    else if (fence === open) open = null;
  }
  return open === null;
}

function checkRendered(report: Report, format: RenderFormat, limits: RenderLimits): string {
  const { body } = renderReport(report, format, limits);
  if (limits.maxChars !== undefined) expect(countChars(body)).toBeLessThanOrEqual(limits.maxChars);
  if (limits.maxBytes !== undefined) expect(countBytes(body)).toBeLessThanOrEqual(limits.maxBytes);
  expect(LONE_SURROGATE.test(body)).toBe(false);
  expect(body).not.toContain('\uFFFD');
  if (format === 'markdown') expect(fencesBalanced(body)).toBe(true);
  if (format === 'html') {
    expect(body.split('<pre>').length).toBe(body.split('</pre>').length);
    expect(body.split('<b>').length).toBe(body.split('</b>').length);
  }
  return body;
}

describe('rendering a 100,000-line Chinese log within channel limits', () => {
  test('the report reads only the end of the log and cleans it', async () => {
    const report = await build('zh', 50);
    // The traceback lies 30 lines before the end: the tail is the 30 lines after it, not repeating it.
    expect(report.tailAfterError).toBe(true);
    expect(report.logTail).toHaveLength(30);
    expect(report.logTail[29]).toBe(lastLine);
    expect(report.reason).toBe('RuntimeError: 数据加载失败：文件不存在');
    expect(countChars(lastLine)).toBe(500);
    expect(report.errorExcerpt[report.errorExcerpt.length - 1]).toBe('RuntimeError: 数据加载失败：文件不存在');
    expect(report.logTail.join('\n')).not.toContain('\x1b');
  });

  for (const language of ['en', 'zh'] as const) {
    for (const include of [50, 2000]) {
      test(`${language}, last ${include} lines: every format within every limit, keeping the last line and the summary`, async () => {
        const report = await build(language, include);
        for (const format of FORMATS) {
          for (const limits of LIMITS) {
            const body = checkRendered(report, format, limits);
            const escapedLast = format === 'html' ? lastLine : lastLine; // the last line has no markup characters
            expect([format, limits, body.includes(escapedLast)]).toEqual([format, limits, true]);
            expect([format, limits, body.includes(report.summary[0][1])]).toEqual([format, limits, true]);
          }
        }
      });
    }
  }

  test('the cut drops the oldest lines first: the kept tail is the end of the log, in order', async () => {
    const report = await build('zh', 2000);
    const { body } = renderReport(report, 'text', { maxChars: 2500 });
    const heading = /错误之后的日志（最后 (\d+) 行）：\n/.exec(body);
    expect(heading).not.toBeNull();
    const kept = Number(heading?.[1]);
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(report.logTail.length);
    expect(body.startsWith(`${report.reason}\n\n`)).toBe(true);
    expect(body.endsWith(report.logTail.slice(-kept).join('\n'))).toBe(true);
    // The summary and the error excerpt come through whole at this size.
    for (const [label, value] of report.summary) expect(body).toContain(`${label}：${value}`);
    expect(body).toContain(report.errorExcerpt.join('\n'));
  });

  test('nothing is cut when it fits', async () => {
    const report = await build('en', 50);
    const full = renderReport(report, 'markdown', {});
    expect(renderReport(report, 'markdown', { maxChars: countChars(full.body) }).body).toBe(full.body);
    expect(renderReport(report, 'markdown', { maxBytes: countBytes(full.body) }).body).toBe(full.body);
  });

  test('very small limits still never exceed, and keep the end of the last line', async () => {
    const report = await build('zh', 50);
    for (const format of FORMATS) {
      for (const limits of [{ maxChars: 600 }, { maxChars: 100 }, { maxBytes: 300 }, { maxChars: 5 }, { maxBytes: 6 }]) {
        const body = checkRendered(report, format, limits);
        expect([format, limits, /END(<\/pre>|\n```)?$/.test(body)]).toEqual([format, limits, true]);
      }
      for (const limits of [{ maxBytes: 4 }, { maxChars: 1 }, { maxChars: 0 }, { maxBytes: 0 }]) checkRendered(report, format, limits);
    }
  });

  test('short titles keep whole parts, status and run name first', async () => {
    const report = await build('zh', 50);
    const title = (maxTitleChars?: number) => renderReport(report, 'text', { maxTitleChars }).title;
    expect(title(20)).toBe('❌ 失败 · bert');
    expect(title(32)).toBe('❌ 失败 · bert · 123450_7 · gpu042');
    expect(title()).toBe(report.title);
    expect(report.title).toBe('❌ 失败 · bert · 123450_7 · gpu042 · 1小时00分06秒');
  });
});

describe('layouts and escaping', () => {
  const report = (lines: string[], summaryValue = 'a*b_c<d>'): Report => ({
    status: 'failed', severity: 'error', language: 'en', title: 't', summary: [['Command', summaryValue]],
    errorExcerpt: [], logTail: lines, logNote: 'note <x>', marker: makeMarker(),
  });

  test('markdown: a log line with backticks gets a longer fence; summary values are escaped', () => {
    const { body } = renderReport(report(['```', 'x ```` y']), 'markdown');
    expect(body).toContain('\n`````\n```\nx ```` y\n`````');
    expect(body).toContain('- **Command**: a\\*b\\_c\\<d\\>');
    expect(fencesBalanced(body)).toBe(true);
  });

  test('html: escaped text, <pre> for the log, only b/i/pre tags', () => {
    const { body } = renderReport(report(['<script>&"\'']), 'html');
    expect(body).toContain('<pre>&lt;script&gt;&amp;&quot;&#39;</pre>');
    expect(body).toContain('<b>Command</b>: a*b_c&lt;d&gt;');
    expect(body).toContain('<i>note &lt;x&gt;</i>');
    expect(body.match(/<\/?(\w+)/g)?.map((t) => t.replace(/[</]/g, '')).every((t) => ['b', 'i', 'pre'].includes(t))).toBe(true);
  });

  test('text: label and value lines, then the log', () => {
    expect(renderReport(report(['l1', 'l2']), 'text').body).toBe('Command: a*b_c<d>\n\nLast 2 lines of the log:\nl1\nl2\n\nnote <x>');
  });
});

describe('truncateToLimit', () => {
  test('keeps the start or the end, counting code points and UTF-8 bytes, never splitting a character', () => {
    const text = '🚀中a'.repeat(100);
    expect(truncateToLimit(text, { maxChars: 7 })).toBe('🚀中a🚀中a…');
    expect(truncateToLimit(text, { maxChars: 7 }, { keep: 'end' })).toBe('…🚀中a🚀中a');
    // 🚀 is 4 bytes, 中 3, a 1, … 3.
    expect(truncateToLimit(text, { maxBytes: 11 })).toBe('🚀中a…');
    expect(truncateToLimit(text, { maxBytes: 10 })).toBe('🚀中…');
    expect(truncateToLimit(text, { maxBytes: 9 })).toBe('🚀…');
    expect(truncateToLimit(text, { maxBytes: 3 })).toBe('…');
    expect(truncateToLimit(text, { maxBytes: 2 })).toBe('');
    expect(truncateToLimit('short', { maxChars: 5, maxBytes: 5 })).toBe('short');
    for (let n = 0; n < 40; n++) {
      for (const keep of ['start', 'end'] as const) {
        const cut = truncateToLimit(text, { maxChars: n, maxBytes: n * 2 }, { keep });
        expect(countChars(cut)).toBeLessThanOrEqual(n);
        expect(countBytes(cut)).toBeLessThanOrEqual(n * 2);
        expect(LONE_SURROGATE.test(cut)).toBe(false);
      }
    }
  });
});
