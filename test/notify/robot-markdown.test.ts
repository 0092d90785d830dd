import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createChannel as createDingtalk, DINGTALK_MAX_TEXT_BYTES } from '../../lib/notify/channels/dingtalk.js';
import { createChannel as createWecom, WECOM_MAX_MARKDOWN_BYTES } from '../../lib/notify/channels/wecom.js';
import { buildReport } from '../../lib/report/build.js';
import type { Report } from '../../lib/report/types.js';
import { useReceiver } from '../helpers/http-receiver.js';
import { makeTempDir } from '../helpers/run-bin.js';
import { makeMarker } from '../helpers/marker.js';
import { reportConfig } from '../helpers/report-config.js';
import { channelConfig, deliver, makeContext } from './channel-context.js';
import { HUGE_REPORTS } from './reports.js';

// WeCom's and DingTalk's group robots render only a markdown subset (headings, bold, quotes, links, `<font>`;
// DingTalk also lists): no code blocks, and no backslash escapes, which show as typed. WeCom takes at most 4096
// bytes of markdown content, DingTalk at most 20,000 bytes of request body.

/** A traceback, then log lines full of what markdown would read as markup. */
const TRICKY = [
  'epoch 0',
  'Traceback (most recent call last):',
  '  File "/opt/lib/__init__.py", line 5, in forward',
  '    return self.layer(*args, **kwargs)',
  'RuntimeError: CUDA out of memory. Tried to allocate 2.00 GiB',
  '# epoch 1 starts',
  '- item from a YAML dump',
  '1. first of a numbered list',
  '> quoted by the program',
  'loss*2 = **bold?** and __init__ _x_ `code` ``` fence',
  '[rank0]: link? [x](http://example.org) <@all> <font color="info">green</font>',
];

let tmp: { dir: string; cleanup: () => void };
let tricky: Report;
beforeAll(async () => {
  tmp = makeTempDir('hpc-run-robot-');
  mkdirSync(join(tmp.dir, 'logs'));
  writeFileSync(join(tmp.dir, 'logs', 'train.log'), `${TRICKY.join('\n')}\n`);
  const marker = makeMarker({ log_file: 'logs/train.log', work_dir: tmp.dir, command: 'python train.py --opt **{"lr": 1e-4}** <x>' });
  tricky = await buildReport(marker, { workDir: tmp.dir, report: reportConfig() });
});
afterAll(() => tmp.cleanup());

const SECRET = 'robot-key-0001';
const wecom = (url = 'http://127.0.0.1:9/send') => createWecom(channelConfig('wecom', { key: SECRET, url }), makeContext([SECRET]));
const dingtalk = (url = 'http://127.0.0.1:9/robot/send') => createDingtalk(channelConfig('dingtalk', { access_token: SECRET, url }), makeContext([SECRET]));

// What the subsets do not have: fences, backslash escapes, list items, HTML other than WeCom's `<font>`.
function expectSubset(markdown: string): void {
  expect(markdown).not.toContain('```');
  expect(markdown).not.toMatch(/\\[\\`*_[\]<>|~#+\-=.!]/);
  expect(markdown).not.toMatch(/^\s*([-*+]|\d+[.)]) /m);
  expect(markdown.replace(/<font color="(info|comment|warning)">|<\/font>/g, '')).not.toContain('<');
  // Bold markers come in pairs on each line.
  for (const line of markdown.split('\n')) expect([line, (line.match(/\*\*/g) ?? []).length % 2]).toEqual([line, 0]);
}

describe.each([
  ['wecom', () => wecom().format(tricky).markdown.content],
  ['dingtalk', () => dingtalk().format(tricky).markdown.text],
])('%s: the robot markdown subset', (_name, render) => {
  test('no code fences, no backslash escapes, no lists; log lines quoted, indentation kept', () => {
    const markdown = render();
    expectSubset(markdown);
    const lines = markdown.split('\n');
    // The reason is the first line under the heading, in bold.
    expect(lines.find((l) => l.startsWith('**'))).toBe('**RuntimeError: CUDA out of memory. Tried to allocate 2.00 GiB**');
    expect(lines).toContain(`> ${'\u00a0'.repeat(2)}File "/opt/lib/__init__.py", line 5, in forward  `);
    expect(lines).toContain(`> ${'\u00a0'.repeat(4)}return self.layer(∗args, ∗∗kwargs)  `);
    expect(lines).toContain('> \u00a0# epoch 1 starts  ');
    expect(lines).toContain('> \u00a0- item from a YAML dump  ');
    expect(lines.some((l) => l.includes('loss∗2 = ∗∗bold?∗∗ and __init__ _x_ ˋcodeˋ ˋˋˋ fence'))).toBe(true);
    expect(lines.some((l) => l.includes('［rank0］: link? ［x］(http://example.org) ‹@all> ‹font color="info">green‹/font>'))).toBe(true);
    // Each log line once: the traceback is the excerpt, the tail is what followed it.
    expect(markdown.split('Traceback (most recent call last):')).toHaveLength(2);
  });
});

describe('robot limits', () => {
  const receiver = useReceiver(() => ({ status: 200, body: { errcode: 0, errmsg: 'ok' } }));

  test.each(HUGE_REPORTS)(
    'WeCom: at most 4096 bytes of markdown content, still in the subset, keeping the end (%s)',
    async (_label, build, last) => {
      expect((await deliver(wecom(`${receiver.url}/send`), build())).ok).toBe(true);
      const content = (receiver.requests[0].json as { markdown: { content: string } }).markdown.content;
      expect(Buffer.byteLength(content)).toBeLessThanOrEqual(WECOM_MAX_MARKDOWN_BYTES);
      expect(Buffer.byteLength(content)).toBeGreaterThan(WECOM_MAX_MARKDOWN_BYTES - 600);
      expectSubset(content);
      expect(content).toContain(last);
    },
  );

  test.each(HUGE_REPORTS)(
    'DingTalk: the whole request body within 20,000 bytes, still in the subset, keeping the end (%s)',
    async (_label, build, last) => {
      expect((await deliver(dingtalk(`${receiver.url}/robot/send`), build())).ok).toBe(true);
      const [request] = receiver.requests;
      expect(Buffer.byteLength(request.body)).toBeLessThanOrEqual(DINGTALK_MAX_TEXT_BYTES);
      expect(Buffer.byteLength(request.body)).toBeGreaterThan(DINGTALK_MAX_TEXT_BYTES - 1000);
      const text = (request.json as { markdown: { text: string } }).markdown.text;
      expectSubset(text);
      expect(text).toContain(last);
    },
  );

  test('DingTalk: a log of quotes and backslashes (which JSON escapes) still fits the body limit', async () => {
    const heavy = { ...tricky, logTail: Array.from({ length: 3000 }, (_, i) => `"${i}" \\ "quoted" \\\\ path\\to\\file`) };
    await deliver(dingtalk(`${receiver.url}/robot/send`), heavy);
    expect(Buffer.byteLength(receiver.requests[0].body)).toBeLessThanOrEqual(DINGTALK_MAX_TEXT_BYTES);
    expect((receiver.requests[0].json as { markdown: { text: string } }).markdown.text).toContain('"2999"');
  });
});
