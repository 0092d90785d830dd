import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomically } from '../../lib/common/atomic-write.js';
import { makeTempDir } from '../helpers/run-bin.js';

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => (temp = makeTempDir()));
afterEach(() => temp.cleanup());

describe('writeFileAtomically', () => {
  test('writes the whole text and leaves no temporary file beside it', async () => {
    const path = join(temp.dir, '.train_complete.json');
    await writeFileAtomically(path, '{"status":"success"}\n');
    expect(readFileSync(path, 'utf8')).toBe('{"status":"success"}\n');
    expect(readdirSync(temp.dir)).toEqual(['.train_complete.json']);
  });

  test('mode is set exactly, whatever the umask; a rewrite without mode keeps the file\'s mode', async () => {
    const path = join(temp.dir, 'state.json');
    await writeFileAtomically(path, 'a', { mode: 0o600 });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    chmodSync(path, 0o640);
    await writeFileAtomically(path, 'b', { fsync: false });
    expect(statSync(path).mode & 0o777).toBe(0o640);
    expect(readFileSync(path, 'utf8')).toBe('b');
  });

  test('concurrent writes of one file each land whole: the file holds one of them, and no temporary file is left', async () => {
    const path = join(temp.dir, 'heartbeat.json');
    const texts = Array.from({ length: 20 }, (_, i) => `${String(i).repeat(10_000)}\n`);
    await Promise.all(texts.map((text) => writeFileAtomically(path, text)));
    expect(texts).toContain(readFileSync(path, 'utf8'));
    expect(readdirSync(temp.dir)).toEqual(['heartbeat.json']);
  });

  test('a failure throws the errno and leaves the old file as it was, with no temporary file', async () => {
    await expect(writeFileAtomically(join(temp.dir, 'missing', 'x.json'), 'x')).rejects.toMatchObject({ code: 'ENOENT' });
    const dir = join(temp.dir, 'target');
    mkdirSync(dir);
    writeFileSync(join(dir, 'x.json'), 'old');
    // A directory where the file should go: the rename fails after the temporary file was written.
    const blocked = join(dir, 'blocked.json');
    mkdirSync(join(blocked, 'inside'), { recursive: true });
    await expect(writeFileAtomically(blocked, 'new')).rejects.toMatchObject({ code: expect.stringMatching(/^(EISDIR|ENOTEMPTY|EEXIST)$/) });
    expect(readFileSync(join(dir, 'x.json'), 'utf8')).toBe('old');
    expect(readdirSync(dir).sort()).toEqual(['blocked.json', 'x.json']);
  });
});
