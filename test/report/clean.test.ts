import { cleanLine, cleanLines, collapseCarriageReturns, shortenLine, stripAnsi } from '../../lib/report/clean.js';
import { countChars } from '../../lib/report/limits.js';

describe('log line cleaning', () => {
  test('ANSI colours, cursor moves, OSC titles and hyperlinks, charset switches are stripped', () => {
    expect(stripAnsi('\x1b[1;31mERROR\x1b[0m done')).toBe('ERROR done');
    expect(stripAnsi('\x1b[2K\x1b[1Gstep 5\x1b[?25l')).toBe('step 5');
    expect(stripAnsi('\x1b]0;training\x07epoch 1')).toBe('epoch 1');
    expect(stripAnsi('\x1b]8;;https://wandb.ai/run/1\x1b\\view run\x1b]8;;\x1b\\')).toBe('view run');
    expect(stripAnsi('\x1b(Bplain\x1b=')).toBe('plain');
    expect(stripAnsi('\x1bP1$r0m\x1b\\text')).toBe('text');
    expect(stripAnsi('\u009b32mgreen\u009b0m')).toBe('green');
  });

  test('tqdm progress redrawn with \\r keeps its last state', () => {
    const tqdm = '\r  0%|          | 0/100 [00:00<?, ?it/s]' +
      '\r 50%|█████     | 50/100 [00:05<00:05,  9.9it/s]' +
      '\r100%|██████████| 100/100 [00:10<00:00,  9.9it/s]';
    expect(cleanLine(tqdm)).toBe('100%|██████████| 100/100 [00:10<00:00,  9.9it/s]');
    expect(collapseCarriageReturns('downloading 10%\r          \r')).toBe('downloading 10%');
    expect(collapseCarriageReturns('\r \r')).toBe('');
    expect(collapseCarriageReturns('a\rb\r')).toBe('b');
    expect(cleanLine('\x1b[A\x1b[2K\repoch 2: 100%|\x1b[32m██████████\x1b[0m| 10/10')).toBe('epoch 2: 100%|██████████| 10/10');
  });

  test('NULs, backspaces, bells and other controls are dropped; tabs stay', () => {
    expect(cleanLine('a\0b\x07c\x08d\te\x7f')).toBe('abcd\te');
    expect(cleanLine('stray escape \x1b')).toBe('stray escape');
  });

  test('long lines keep head and tail around … and never split a surrogate pair', () => {
    const long = 'A'.repeat(300) + 'B'.repeat(400);
    const short = shortenLine(long, 500);
    expect(countChars(short)).toBe(500);
    expect(short.startsWith('A'.repeat(250))).toBe(true);
    expect(short.endsWith('B'.repeat(249))).toBe(true);
    expect(short).toContain('…');
    const emoji = '🚀'.repeat(600);
    const cut = shortenLine(emoji, 101);
    expect(countChars(cut)).toBe(101);
    expect(cut).toBe('🚀'.repeat(50) + '…' + '🚀'.repeat(50));
    expect(cut).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
    expect(shortenLine('short', 500)).toBe('short');
    expect(shortenLine('中'.repeat(501), 500)).toHaveLength(500);
  });

  test('max_line_length is honoured and invalid-UTF-8 replacements pass through', () => {
    expect(cleanLines(['x'.repeat(50), 'bad \uFFFD byte'], 20)).toEqual([`${'x'.repeat(10)}…${'x'.repeat(9)}`, 'bad \uFFFD byte']);
  });

  test('a traceback header joined to the end of a printed line gets its own line; a launcher prefix stays', () => {
    const frame = '  File "train.py", line 3, in <module>';
    const joined = ['epoch 1', 'loss=0.4Traceback (most recent call last):', frame, 'loss=0.4', 'RuntimeError: x'];
    expect(cleanLines(joined)).toEqual(['epoch 1', 'loss=0.4', 'Traceback (most recent call last):', frame, 'loss=0.4', 'RuntimeError: x']);
    const ranked = ['[rank1]: Traceback (most recent call last):', '[rank1]:   File "train.py", line 3, in <module>'];
    expect(cleanLines(ranked)).toEqual(ranked);
    const plain = ['Traceback (most recent call last):', '  File "a.py"'];
    expect(cleanLines(plain)).toEqual(plain);
  });
});
