import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSmallFile } from '../../lib/common/fd.js';

// The small reads `status` and the status page make for every run: whole, safe against what a work dir may hold.
describe('readSmallFile', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'hpc-run-fd-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('reads a file whole, byte for byte, at sizes around its one read (empty, 1 byte, pooled, large)', async () => {
    for (const size of [0, 1, 700, 4095, 4096, 70_000, 1_000_000]) {
      const text = 'é'.repeat(size >> 1) + 'x'.repeat(size & 1); // two bytes a character: UTF-8 split across sizes
      writeFileSync(join(dir, 'f'), text);
      expect(await readSmallFile(join(dir, 'f'))).toBe(text);
    }
  });

  test('a file that grew after its stat is read to its end', async () => {
    const path = join(dir, 'grows');
    writeFileSync(path, 'a'.repeat(100));
    // The stat is taken inside `accept`; the file then grows by more than one read step before the read.
    const text = await readSmallFile(path, () => {
      writeFileSync(path, 'b'.repeat(200_000), { flag: 'a' });
      return true;
    });
    expect(text).toBe('a'.repeat(100) + 'b'.repeat(200_000));
  });

  test('refused: a final symlink (ELOOP), a FIFO (null, without hanging), a stat that `accept` rejects (null)', async () => {
    writeFileSync(join(dir, 'target'), '{}');
    symlinkSync(join(dir, 'target'), join(dir, 'link'));
    await expect(readSmallFile(join(dir, 'link'))).rejects.toMatchObject({ code: 'ELOOP' });
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    expect(await readSmallFile(join(dir, 'fifo'))).toBeNull();
    expect(await readSmallFile(join(dir, 'target'), (info) => info.uid === -1)).toBeNull();
    await expect(readSmallFile(join(dir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
