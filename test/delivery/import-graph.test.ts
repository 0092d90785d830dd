import { describe, expect, test } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const LIB = resolve(dirname(fileURLToPath(import.meta.url)), '../../lib');
const STATIC = /^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gm;
const DYNAMIC = /import\(\s*'([^']+)'\s*\)/g;

// Every relative import of one lib/ file, static and dynamic, resolved to a path under lib/.
function importsOf(file: string): { static: string[]; dynamic: string[] } {
  const text = readFileSync(file, 'utf8');
  const resolveAll = (re: RegExp) =>
    [...text.matchAll(re)]
      .map((m) => m[1])
      .filter((s) => s.startsWith('.'))
      .map((s) => resolve(dirname(file), s));
  return { static: resolveAll(STATIC), dynamic: resolveAll(DYNAMIC) };
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    (e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []),
  );
}

describe('import graph', () => {
  test('nothing in lib/wrapper imports from lib/monitor, statically or dynamically', () => {
    const files = tsFiles(join(LIB, 'wrapper'));
    expect(files.length).toBeGreaterThan(0);
    const arrows = files.flatMap((f) => {
      const found = importsOf(f);
      return [...found.static, ...found.dynamic].filter((p) => p.startsWith(join(LIB, 'monitor') + '/')).map((p) => `${f} -> ${p}`);
    });
    expect(arrows).toEqual([]);
  });

  test('lib/delivery depends on neither the monitor nor the wrapper', () => {
    const arrows = tsFiles(join(LIB, 'delivery')).flatMap((f) => {
      const found = importsOf(f);
      return [...found.static, ...found.dynamic].filter((p) => /\/lib\/(monitor|wrapper)\//.test(p)).map((p) => `${f} -> ${p}`);
    });
    expect(arrows).toEqual([]);
  });

  test('no module of the delivery path is imported both statically and dynamically', () => {
    const files = ['delivery', 'monitor', 'wrapper'].flatMap((d) => tsFiles(join(LIB, d)));
    const statics = new Set(files.flatMap((f) => importsOf(f).static));
    const both = files.flatMap((f) => importsOf(f).dynamic.filter((p) => statics.has(p)).map((p) => `${f} -> ${p}`));
    expect(both).toEqual([]);
  });
});
