#!/usr/bin/env node
// What an install takes on disk (after `npm run build`): the npm pack tarball installed offline into a fresh
// prefix, and the release tar.gz unpacked (`npm run release` makes it; this makes it again). Targets: <= 5 MB and
// <= 2 MB (issue 12). Sizes are the files' bytes (du --apparent-size), decimal MB.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatTable } from './lib/measure.mjs';

const ROOT = new URL('..', import.meta.url).pathname;
const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const tmp = mkdtempSync(join(tmpdir(), 'hpc-run-size-'));

function run(command, args, cwd = tmp) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_cache: join(tmp, 'cache') } });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')}: ${result.stderr}`);
  return result.stdout.trim();
}

// Bytes and file count of a tree.
function measure(dir) {
  let bytes = 0;
  let files = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    bytes += statSync(join(entry.parentPath ?? entry.path, entry.name)).size;
    files += 1;
  }
  return { bytes, files };
}

try {
  const tarball = join(tmp, run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', tmp], ROOT).split('\n').pop());
  run('npm', ['install', '-g', '--offline', '--no-audit', '--no-fund', '--prefix', join(tmp, 'prefix'), tarball]);
  const npm = measure(join(tmp, 'prefix', 'lib', 'node_modules', 'hpc-run'));
  run(process.execPath, [join(ROOT, 'scripts', 'release.mjs')], ROOT);
  const archive = join(ROOT, 'release', `hpc-run-${version}.tar.gz`);
  run('tar', ['-xzf', archive, '-C', tmp]);
  const release = measure(join(tmp, `hpc-run-${version}`));
  const mb = (b) => (b / 1e6).toFixed(2);
  const rows = [
    ['npm pack tarball, installed', mb(statSync(tarball).size), mb(npm.bytes), npm.files, '<= 5', npm.bytes <= 5e6 ? 'yes' : 'NO'],
    ['release tar.gz, unpacked', mb(statSync(archive).size), mb(release.bytes), release.files, '<= 2', release.bytes <= 2e6 ? 'yes' : 'NO'],
  ];
  process.stdout.write(`${formatTable(['install', 'archive MB', 'installed MB', 'files', 'target MB', 'on target'], rows)}\n`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
