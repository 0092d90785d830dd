import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from '../helpers/run-bin.js';

// The bundles `npm test` built (what bin/ runs): every lazily loaded piece gives what its importer takes from it.
// A chunk split off for a CommonJS package once exported only `default`, so `const { lock } = await
// import('proper-lockfile')` got undefined and the monitor could not lock its state.
const DIST = join(ROOT, 'dist');
const files = existsSync(DIST) ? readdirSync(DIST, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.mjs')) : [];

describe('dist/', () => {
  test('one bundle per program, no node_modules reference left', () => {
    expect(files).toEqual(expect.arrayContaining(['train-wrapper.mjs', 'train-monitor.mjs']));
    // Only Node's own modules and relative chunks are imported; any other bare name would need node_modules.
    const specifier = /\bimport\s*(?:[\w$*{},\s]+?from\s*)?["']([^"'.][^"']*)["']|\bimport\(["']([^"'.][^"']*)["']\)/g;
    for (const file of files) {
      const text = readFileSync(join(DIST, file), 'utf8');
      const foreign = [...text.matchAll(specifier)].map((m) => m[1] ?? m[2]).filter((name) => !isBuiltin(name));
      expect([file, foreign]).toEqual([file, []]);
    }
  });

  test('every destructured dynamic import finds its names in the chunk it loads', async () => {
    let checked = 0;
    for (const file of files) {
      const text = readFileSync(join(DIST, file), 'utf8');
      for (const [, names, target] of text.matchAll(/\{([\w$:, ]+)\}=await import\("(\.[^"]+)"\)/g)) {
        const loaded = (await import(pathToFileURL(join(DIST, dirname(file), target)).href)) as Record<string, unknown>;
        for (const name of names.split(',').map((n) => n.split(':')[0].trim())) {
          expect([file, target, name, loaded[name] === undefined ? 'missing' : 'present']).toEqual([file, target, name, 'present']);
          checked += 1;
        }
      }
    }
    expect(checked).toBeGreaterThan(10);
  });
});
