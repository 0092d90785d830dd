import { describe, expect, test } from '@jest/globals';
import { readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Marker } from '../../lib/common/marker.js';
import { moveNoClobber } from '../../lib/common/no-clobber.js';
import { MARKER_NAME } from '../../lib/common/paths.js';
import { putBack, setAside } from '../../lib/delivery/release.js';
import { makeTempDir } from '../helpers/run-bin.js';

// A claimed marker held under `claimPath` (the content does not matter here).
const held = (claimPath: string, markerPath: string) => ({ claimPath, markerPath, marker: {} as Marker, workDir: dirname(markerPath) });

describe('files', () => {
  test('moveNoClobber never replaces, putBack keeps both markers, setAside numbers the second .bad', async () => {
    const { dir, cleanup } = makeTempDir();
    try {
      const p = (n: string) => join(dir, n);
      writeFileSync(p('a'), 'a');
      writeFileSync(p('b'), 'b');
      expect(await moveNoClobber(p('a'), p('b'))).toBe(false);
      expect(await moveNoClobber(p('a'), p('c'))).toBe(true);
      writeFileSync(p('.train_complete.json'), 'new run');
      writeFileSync(p('claimed'), 'old run');
      const back = await putBack(held(p('claimed'), p('.train_complete.json')));
      expect(MARKER_NAME.test(back.slice(dir.length + 1))).toBe(true);
      expect(back).not.toBe(p('.train_complete.json'));
      writeFileSync(p('x1'), '{');
      writeFileSync(p('x2'), '{');
      expect(await setAside(held(p('x1'), p('.train_complete.9.json')))).toBe(p('.train_complete.9.json.bad'));
      expect(await setAside(held(p('x2'), p('.train_complete.9.json')))).toBe(p('.train_complete.9.json.2.bad'));
      expect(readdirSync(dir).sort()).toContain('.train_complete.9.json.2.bad');
    } finally {
      cleanup();
    }
  });
});
