import { appendFileSync, openSync, closeSync, writeFileSync, ftruncateSync, writeSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { readLogTail } from '../../lib/report/tail.js';
import { makeTempDir } from '../helpers/run-bin.js';

let tmp: { dir: string; cleanup: () => void };
beforeAll(() => {
  tmp = makeTempDir('hpc-run-tail-');
});
afterAll(() => tmp.cleanup());

const file = (name: string, content: string | Buffer) => {
  const path = join(tmp.dir, name);
  writeFileSync(path, content);
  return path;
};

describe('readLogTail', () => {
  test('a 50 MB log: the last lines, reading only a small part from the end', async () => {
    const path = join(tmp.dir, 'big.log');
    const block =
      Array.from({ length: 10000 }, (_, i) => `epoch 1 step ${i} loss 0.123456 lr 3e-4 throughput 1234.5 samples/s`).join('\n') + '\n';
    const fd = openSync(path, 'w');
    let size = 0;
    while (size < 50 * 1024 * 1024) size += writeSync(fd, block);
    writeSync(fd, 'the very last line\n');
    closeSync(fd);
    const tail = await readLogTail(path, 50);
    expect(tail.lines).toHaveLength(50);
    expect(tail.lines[49]).toBe('the very last line');
    expect(tail.lines[48]).toBe('epoch 1 step 9999 loss 0.123456 lr 3e-4 throughput 1234.5 samples/s');
    expect(tail.fileSize).toBeGreaterThan(50 * 1024 * 1024);
    expect(tail.bytesRead).toBeLessThanOrEqual(64 * 1024);
  });

  test('without a trailing newline, with one, and CRLF line ends', async () => {
    expect((await readLogTail(file('a.log', 'one\ntwo\nthree'), 2)).lines).toEqual(['two', 'three']);
    expect((await readLogTail(file('b.log', 'one\ntwo\nthree\n'), 2)).lines).toEqual(['two', 'three']);
    expect((await readLogTail(file('c.log', 'one\r\ntwo\r\nthree\r\n'), 5)).lines).toEqual(['one', 'two', 'three']);
    expect((await readLogTail(file('d.log', '\n\nlast\n'), 3)).lines).toEqual(['', '', 'last']);
  });

  test('an empty file and a request for no lines', async () => {
    expect(await readLogTail(file('empty.log', ''), 10)).toEqual({ lines: [], bytesRead: 0, fileSize: 0 });
    expect((await readLogTail(file('e.log', 'x\n'), 0)).lines).toEqual([]);
  });

  test('lines are found across many small chunks', async () => {
    const text = Array.from({ length: 200 }, (_, i) => `line ${i}`).join('\n') + '\n';
    const tail = await readLogTail(file('chunks.log', text), 30, { chunkBytes: 7 });
    expect(tail.lines).toEqual(Array.from({ length: 30 }, (_, i) => `line ${170 + i}`));
  });

  test('a multi-byte character split by the chunk or byte boundary is never half-decoded', async () => {
    const text = Array.from({ length: 300 }, (_, i) => `第${i}轮 训练损失下降 🚀`).join('\n');
    for (const chunkBytes of [5, 7, 11, 64]) {
      const tail = await readLogTail(file('zh.log', text), 10, { chunkBytes });
      expect(tail.lines).toEqual(Array.from({ length: 10 }, (_, i) => `第${290 + i}轮 训练损失下降 🚀`));
    }
    // Stopped by maxBytes inside the file: decoding starts after a newline, so no replacement character appears.
    for (const maxBytes of [100, 101, 102, 103]) {
      const tail = await readLogTail(file('zh.log', text), 1000, { maxBytes });
      expect(tail.bytesRead).toBe(maxBytes);
      expect(tail.lines.join('\n')).not.toContain('\uFFFD');
      expect(tail.lines[tail.lines.length - 1]).toBe('第299轮 训练损失下降 🚀');
    }
  });

  test('one line longer than maxBytes: its end, starting at a character boundary', async () => {
    const text = 'x'.repeat(100) + '中'.repeat(5000);
    const tail = await readLogTail(file('long.log', text), 5, { maxBytes: 1000 });
    expect(tail.bytesRead).toBe(1000);
    expect(tail.lines).toHaveLength(1);
    expect(tail.lines[0]).toMatch(/^中+$/);
  });

  test('invalid UTF-8 is replaced, not thrown', async () => {
    const bytes = Buffer.concat([Buffer.from('ok\nbad '), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(' end\n')]);
    const tail = await readLogTail(file('bad.log', bytes), 5);
    expect(tail.lines[0]).toBe('ok');
    expect(tail.lines[1]).toContain('\uFFFD');
    expect(tail.lines[1].endsWith(' end')).toBe(true);
  });

  test('a log that grows or shrinks between reads still gives lines', async () => {
    const path = file('grow.log', 'a\nb\n');
    appendFileSync(path, 'c\n');
    expect((await readLogTail(path, 2)).lines).toEqual(['b', 'c']);
    const fd = openSync(path, 'r+');
    ftruncateSync(fd, 0);
    closeSync(fd);
    expect((await readLogTail(path, 2)).lines).toEqual([]);
  });

  test('a FIFO and a symlink are refused without blocking', async () => {
    const fifo = join(tmp.dir, 'pipe.log');
    execFileSync('mkfifo', [fifo]);
    await expect(readLogTail(fifo, 5)).rejects.toMatchObject({ code: 'ENOTFILE' });
    const link = join(tmp.dir, 'link.log');
    execFileSync('ln', ['-s', file('target.log', 'x\n'), link]);
    await expect(readLogTail(link, 5)).rejects.toMatchObject({ code: 'ELOOP' });
  });
});
