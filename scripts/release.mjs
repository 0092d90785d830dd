#!/usr/bin/env node
// `npm run release`: release/hpc-run-<version>.tar.gz, the built programs with no node_modules. Unpacked anywhere,
// hpc-run-<version>/bin/train-wrapper and bin/train-monitor run with only `node` (>= 20.19) on the PATH.
// Holds bin/, dist/ (the bundles, from `npm run build`), config/ (examples only), slurm/, examples/ and a
// package.json that names the version.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const name = `hpc-run-${pkg.version}`;
const outDir = join(ROOT, 'release');
const stage = join(outDir, name);
const archive = join(outDir, `${name}.tar.gz`);

function fail(message) {
  process.stderr.write(`release: ${message}\n`);
  process.exit(1);
}

if (!existsSync(join(ROOT, 'dist', 'train-wrapper.mjs')) || !existsSync(join(ROOT, 'dist', 'train-monitor.mjs'))) {
  fail('dist/ has no bundles: run `npm run build` first (`npm run release` does)');
}

rmSync(stage, { recursive: true, force: true });
rmSync(archive, { force: true });
mkdirSync(stage, { recursive: true });
const copy = (from, filter = () => true) => cpSync(join(ROOT, from), join(stage, from), { recursive: true, filter: (src) => filter(src) });
copy('bin');
copy('dist', (src) => statSync(src).isDirectory() || src.endsWith('.mjs'));
copy('config', (src) => statSync(src).isDirectory() || /\.example/.test(src));
copy('slurm');
copy('examples');
for (const file of ['README.md', 'LICENSE']) if (existsSync(join(ROOT, file))) copy(file);
// Only what running needs: the name and version (read by --version) and "type": "module" for bin/.
const { name: pkgName, version, description, type, license, engines, bin } = pkg;
writeFileSync(join(stage, 'package.json'), `${JSON.stringify({ name: pkgName, version, description, type, license, engines, bin }, null, 2)}\n`);

const tar = spawnSync('tar', ['-czf', archive, '--owner=0', '--group=0', '--numeric-owner', '-C', outDir, name], { stdio: 'inherit' });
rmSync(stage, { recursive: true, force: true });
if (tar.status !== 0) fail(`tar exited ${tar.status ?? tar.signal}`);
const files = readdirSync(outDir).filter((f) => f === `${name}.tar.gz`);
if (files.length !== 1) fail(`${archive} was not written`);
process.stdout.write(`${archive} (${(statSync(archive).size / 1024).toFixed(0)} KiB)\n`);
