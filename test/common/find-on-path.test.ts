import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { findOnPath } from '../../lib/common/find-on-path.js';

describe('findOnPath', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hpc-run-path-'));
    for (const sub of ['a', 'b', 'c']) mkdirSync(join(dir, sub));
    writeFileSync(join(dir, 'a', 'tool'), 'not executable');
    writeFileSync(join(dir, 'b', 'tool'), '#!/bin/sh\n');
    chmodSync(join(dir, 'b', 'tool'), 0o755);
    mkdirSync(join(dir, 'c', 'dir-tool')); // a directory is not a command, even with its x bit
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('the first executable regular file of that name, in PATH order', () => {
    const path = [join(dir, 'missing'), join(dir, 'a'), join(dir, 'b')].join(delimiter);
    expect(findOnPath('tool', path)).toBe(join(dir, 'b', 'tool'));
    expect(findOnPath('dir-tool', join(dir, 'c'))).toBeNull();
    expect(findOnPath('tool', undefined)).toBeNull();
  });

  test('a name with a slash is itself; relative entries can be skipped', () => {
    expect(findOnPath(join(dir, 'b', 'tool'), '')).toBe(join(dir, 'b', 'tool'));
    expect(findOnPath(join(dir, 'a', 'tool'), '')).toBeNull();
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      expect(findOnPath('tool', 'b')).toBe(join(dir, 'b', 'tool'));
      expect(findOnPath('tool', 'b', { absoluteOnly: true })).toBeNull();
    } finally {
      process.chdir(cwd);
    }
  });
});
