#!/usr/bin/env node
// Builds one ESM bundle per program into dist/ (dist/train-wrapper.mjs, dist/train-monitor.mjs) with esbuild.
// Every dependency is bundled, so plain `node` runs them with no node_modules; what the code loads with a dynamic
// import() (yargs for --help, got, nodemailer, js-yaml, chokidar, …) becomes a separate chunk in dist/wrapper/
// or dist/monitor/, read only when that path runs. Type checking is `npm run typecheck`; this only strips the types.
//
//   node scripts/build.mjs            # dist/ for this checkout
//   node scripts/build.mjs --meta     # also dist/meta.json (esbuild's metafile: what went into each file)
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, transform } from 'esbuild';

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

// The dependencies' own code is minified (a third less to read at start and to install); ours keeps its names,
// so that an internal error's stack trace stays readable.
const minifyDependencies = {
  name: 'minify-dependencies',
  setup(b) {
    b.onLoad({ filter: /[\\/]node_modules[\\/].*\.[cm]?js$/ }, async (args) => {
      const code = await readFile(args.path, 'utf8');
      const minified = await transform(code, { loader: 'js', minify: true, legalComments: 'none', target: 'node20.19' });
      return { contents: minified.code, loader: 'js' };
    });
  },
};

// `await import('pkg')` of a CommonJS package: Node gives the module's named exports (`const { lock } = await
// import('proper-lockfile')`), but a chunk esbuild splits off for it exports only `default`. Such an import goes
// through a small ES module instead, which names every export the package has (read here by loading it).
const namedCommonJsExports = {
  name: 'named-commonjs-exports',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.kind !== 'dynamic-import') return undefined;
      const resolved = await b.resolve(args.path, { kind: 'import-statement', resolveDir: args.resolveDir });
      if (resolved.errors.length > 0 || resolved.external || !isCommonJs(resolved.path)) return undefined;
      return { path: resolved.path, namespace: 'commonjs-named' };
    });
    b.onLoad({ filter: /.*/, namespace: 'commonjs-named' }, (args) => {
      const exported = createRequire(import.meta.url)(args.path);
      const names = Object.keys(exported).filter((n) => /^[A-Za-z_$][\w$]*$/.test(n) && n !== 'default');
      const contents = `import m from ${JSON.stringify(args.path)};\nexport default m;\nexport const { ${names.join(', ')} } = m;\n`;
      return { contents, loader: 'js', resolveDir: dirname(args.path) };
    });
  },
};

// Whether Node would load a file as CommonJS: .cjs, or .js under a package.json without "type": "module".
function isCommonJs(path) {
  if (path.endsWith('.cjs')) return true;
  if (!path.endsWith('.js')) return false;
  for (let dir = dirname(path); dir !== dirname(dir); dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) return JSON.parse(readFileSync(pkg, 'utf8')).type !== 'module';
  }
  return true;
}

// One build per program: a program's start loads only its own files (shared chunks between the two programs
// would be more, smaller files, and each file costs the module loader a round). The chunks of each live in
// dist/<program-without-"train-">/.
const PROGRAMS = { 'train-wrapper': 'lib/cli/train-wrapper.ts', 'train-monitor': 'lib/cli/train-monitor.ts' };

rmSync(OUT, { recursive: true, force: true });
const meta = { inputs: {}, outputs: {} };
for (const [program, entry] of Object.entries(PROGRAMS)) {
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: { [program]: entry },
    outdir: OUT,
    chunkNames: `${program.replace(/^train-/, '')}/[name]-[hash]`,
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
    plugins: [namedCommonJsExports, minifyDependencies],
    metafile: true,
    logLevel: 'warning',
  });
  Object.assign(meta.inputs, result.metafile.inputs);
  Object.assign(meta.outputs, result.metafile.outputs);
}
if (process.argv.includes('--meta')) writeFileSync(join(OUT, 'meta.json'), JSON.stringify(meta));
let total = 0;
for (const info of Object.values(meta.outputs)) total += info.bytes;
process.stdout.write(`dist/: ${Object.keys(meta.outputs).length} files, ${(total / 1024).toFixed(0)} KiB\n`);
