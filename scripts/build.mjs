#!/usr/bin/env node
// Builds one ESM bundle per program into dist/ (dist/train-wrapper.mjs, dist/train-monitor.mjs) with esbuild.
// Every dependency is bundled, so plain `node` runs them with no node_modules; what the code loads with a dynamic
// import() (yargs for --help, got, nodemailer, js-yaml, chokidar, …) becomes a separate chunk in dist/chunks/,
// read only when that path runs. Type checking is `npm run typecheck`; this only strips the types.
//
//   node scripts/build.mjs            # dist/ for this checkout
//   node scripts/build.mjs --meta     # also dist/meta.json (esbuild's metafile: what went into each file)
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'dist');

// CommonJS dependencies (nodemailer, proper-lockfile, …) call require() for Node's own modules and read
// __filename; an ESM bundle has neither, so each output file gets its own. `require` is left free in the bundled
// code (esbuild keeps every module's own `require` apart from it); __filename and __dirname are renamed where
// they are free, so a module that declares its own (yargs does) keeps it.
const BANNER = [
  "import { createRequire as __hpcRunRequire } from 'node:module';",
  "import { fileURLToPath as __hpcRunPath } from 'node:url';",
  'const require = __hpcRunRequire(import.meta.url);',
  'const __hpcRunFilename = __hpcRunPath(import.meta.url);',
  "const __hpcRunDirname = __hpcRunPath(new URL('.', import.meta.url));",
].join('\n');

rmSync(OUT, { recursive: true, force: true });
const result = await build({
  absWorkingDir: ROOT,
  entryPoints: { 'train-wrapper': 'lib/cli/train-wrapper.ts', 'train-monitor': 'lib/cli/train-monitor.ts' },
  outdir: OUT,
  chunkNames: 'chunks/[name]-[hash]',
  // .mjs: ESM whatever package.json says, so the files run even where they are copied without it.
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  banner: { js: BANNER },
  define: { __filename: '__hpcRunFilename', __dirname: '__hpcRunDirname' },
  legalComments: 'none',
  minifySyntax: true,
  minifyWhitespace: true,
  metafile: true,
  logLevel: 'warning',
});
if (process.argv.includes('--meta')) writeFileSync(join(OUT, 'meta.json'), JSON.stringify(result.metafile));
let total = 0;
for (const [file, info] of Object.entries(result.metafile.outputs)) total += info.bytes;
process.stdout.write(`dist/: ${Object.keys(result.metafile.outputs).length} files, ${(total / 1024).toFixed(0)} KiB\n`);
