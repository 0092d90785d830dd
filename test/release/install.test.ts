import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ROOT, makeTempDir, runBin } from '../helpers/run-bin.js';

// What a cluster user installs, installed the two documented ways into fresh places, then used from there with
// only node and the system's tools on the PATH: no node_modules anywhere above them, nothing fetched.
// `npm test` builds first; packing here skips the build scripts so that no other test sees dist/ rebuilt.
const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const PATH = `${dirname(process.execPath)}:/usr/bin:/bin`;

let temp: ReturnType<typeof makeTempDir>;
beforeAll(() => (temp = makeTempDir('hpc-run-release-')));
afterAll(() => temp.cleanup());

function run(command: string, args: string[], cwd = temp.dir) {
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, npm_config_cache: join(temp.dir, 'npm-cache') },
  });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

// train-wrapper runs a command in a fresh work dir; one train-monitor --once pass delivers its marker on the console.
async function roundTrip(binDir: string, name: string) {
  const workDir = join(temp.dir, `work-${name}`);
  mkdirSync(workDir);
  const env = { PATH, HOME: join(temp.dir, `home-${name}`), HPC_RUN_STATE_DIR: join(temp.dir, `state-${name}`) };
  const wrapper = await runBin(join(binDir, 'train-wrapper'), ['--work-dir', workDir, '--command', 'echo "loss=0.42 from $0"'], {
    env,
    cwd: workDir,
  });
  expect(wrapper.code).toBe(0);
  expect(wrapper.stdout).toMatch(/^loss=0\.42 from /);
  expect(readdirSync(workDir)).toContain('.train_complete.json');
  const version2 = await runBin(join(binDir, 'train-wrapper'), ['--version'], { env });
  expect(version2.stdout.trim()).toBe(version);
  const monitor = await runBin(join(binDir, 'train-monitor'), ['--once', '--work-dir', workDir], { env, cwd: workDir });
  expect(monitor.code).toBe(0);
  expect(monitor.stdout).toContain('success');
  expect(monitor.stdout).toContain('loss=0.42');
  expect(monitor.stderr).toMatch(/delivered .*\.train_complete\.json to console/);
  expect(readdirSync(workDir)).not.toContain('.train_complete.json');
}

const hasNpm = spawnSync('npm', ['--version']).status === 0;

(hasNpm ? test : test.skip)('the npm pack tarball installs offline into a fresh prefix, with no dependencies, and runs', async () => {
  const packed = run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', temp.dir], ROOT).trim().split('\n').pop()!;
  const tarball = join(temp.dir, packed);
  const prefix = join(temp.dir, 'prefix');
  run('npm', ['install', '-g', '--offline', '--no-audit', '--no-fund', '--prefix', prefix, tarball]);
  const installed = join(prefix, 'lib', 'node_modules', 'hpc-run');
  expect(existsSync(join(installed, 'dist', 'train-wrapper.mjs'))).toBe(true);
  expect(existsSync(join(installed, 'node_modules'))).toBe(false);
  expect(existsSync(join(installed, 'lib'))).toBe(false); // the bundles only, no TypeScript sources
  await roundTrip(join(prefix, 'bin'), 'npm');
});

test('npm run release makes a tar.gz that runs after unpacking anywhere', async () => {
  run(process.execPath, [join(ROOT, 'scripts', 'release.mjs')], ROOT);
  const archive = join(ROOT, 'release', `hpc-run-${version}.tar.gz`);
  const opt = join(temp.dir, 'opt');
  mkdirSync(opt);
  run('tar', ['-xzf', archive, '-C', opt]);
  const unpacked = join(opt, `hpc-run-${version}`);
  expect(readdirSync(unpacked).sort()).toEqual(expect.arrayContaining(['bin', 'config', 'dist', 'examples', 'package.json', 'slurm']));
  expect(existsSync(join(unpacked, 'node_modules'))).toBe(false);
  expect(readdirSync(join(unpacked, 'config')).every((f) => f.includes('.example'))).toBe(true);
  await roundTrip(join(unpacked, 'bin'), 'tar');
});
