import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, runBin } from '../helpers/run-bin.js';
import { makeSandbox, type Sandbox } from './setup.js';

// Every bad input: one clear line on stderr, exit 2, and nothing started (no log, no marker, no spool entry).
describe('train-wrapper bad input', () => {
  let box: Sandbox;
  beforeEach(() => {
    box = makeSandbox();
  });
  afterEach(() => box.cleanup());

  const RAN = 'touch ran';
  const expectRejected = async (args: string[], pattern: RegExp, env: NodeJS.ProcessEnv = {}) => {
    const result = await box.run(args, env);
    expect(result.code).toBe(2);
    // One line naming the problem; config errors may add the error boundary's `fix:` line.
    const lines = result.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^train-wrapper: /);
    expect(lines.slice(1).every((line) => line.startsWith('train-wrapper: fix: '))).toBe(true);
    expect(lines.length).toBeLessThanOrEqual(2);
    expect(lines[0]).toMatch(pattern);
    expect(result.stdout).toBe('');
    expect(existsSync(join(box.workDir, 'ran'))).toBe(false);
    expect(existsSync(join(box.workDir, 'logs'))).toBe(false);
    expect(box.spool()).toEqual([]);
  };

  test('no --work-dir', async () => {
    await expectRejected(['--command', RAN], /--work-dir is required/);
    const result = await box.run(['--command', RAN]);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
  test('work dir missing', () => expectRejected(['--work-dir', join(box.root, 'nope'), '--command', RAN], /does not exist/));
  test('work dir is a file', () => {
    const file = join(box.root, 'file');
    writeFileSync(file, '');
    return expectRejected(['--work-dir', file, '--command', RAN], /is not a directory/);
  });
  test('work dir not writable', async () => {
    // Root may write anywhere, so as root the wrapper runs as nobody on a dir only root may write.
    const dir = join(box.root, 'readonly');
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(box.root, 0o755);
    if (process.getuid?.() !== 0) chmodSync(dir, 0o555);
    const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const result = await runBin(BIN.wrapper, ['--work-dir', dir, '--command', RAN], { env: box.env, ...asNobody });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([`train-wrapper: --work-dir ${dir} is not writable by this user`]);
    expect(existsSync(join(dir, 'ran'))).toBe(false);
  });
  test('no command', () => expectRejected(['--work-dir', box.workDir], /no command to run/));
  test('empty --command', () => expectRejected(['--work-dir', box.workDir, '--command', ''], /--command needs a value/));
  test('both --command and --', () =>
    expectRejected(['--work-dir', box.workDir, '--command', RAN, '--', 'touch', 'ran'], /either with --command or after --, not both/));
  test('unknown flag', () =>
    expectRejected(['--work-dir', box.workDir, '--bogus', '--command', RAN], /unknown flag --bogus \(see train-wrapper --help\)/));
  test('unknown short flag', () => expectRejected(['--work-dir', box.workDir, '-x', '--command', RAN], /unknown flag -x/));
  test('a command without --', () => expectRejected(['--work-dir', box.workDir, 'touch', 'ran'], /unexpected argument 'touch'/));
  test('bad --heartbeat-interval', () =>
    expectRejected(
      ['--work-dir', box.workDir, '--heartbeat-interval', 'soon', '--command', RAN],
      /--heartbeat-interval must be a positive duration.*'soon'/,
    ));
  test('zero --heartbeat-interval', () =>
    expectRejected(['--work-dir', box.workDir, '--heartbeat-interval', '0', '--command', RAN], /--heartbeat-interval/));
  test('bad --kill-grace', () =>
    expectRejected(['--work-dir', box.workDir, '--kill-grace', '-5', '--command', RAN], /--kill-grace must be/));
  test('bad HPC_RUN_HEARTBEAT_INTERVAL', () =>
    expectRejected(['--work-dir', box.workDir, '--command', RAN], /HPC_RUN_HEARTBEAT_INTERVAL must be/, {
      HPC_RUN_HEARTBEAT_INTERVAL: '10d',
    }));
  test('a bad variable or config key is named, not the flag', async () => {
    await expectRejected(['--command', RAN], /^train-wrapper: HPC_RUN_WORK_DIR .*nope does not exist$/, {
      HPC_RUN_WORK_DIR: join(box.root, 'nope'),
    });
    await expectRejected(['--work-dir', box.workDir, '--command', RAN], /^train-wrapper: HPC_RUN_KILL_GRACE must be .*'soon'$/, {
      HPC_RUN_KILL_GRACE: 'soon',
    });
    const config = join(box.root, 'config.yaml');
    writeFileSync(config, `train:\n  work_dir: ${join(box.root, 'gone')}\n`);
    await expectRejected(['--config', config, '--command', RAN], /^train-wrapper: train\.work_dir .*gone does not exist$/);
  });
  test('unknown flag near a real one', () =>
    expectRejected(
      ['--work-dir', box.workDir, '--kill-grase', '5', '--command', RAN],
      /unknown flag --kill-grase: did you mean --kill-grace\?/,
    ));
  test('bad HPC_RUN_QUIET', () =>
    expectRejected(['--work-dir', box.workDir, '--command', RAN], /HPC_RUN_QUIET must be 1 or 0/, { HPC_RUN_QUIET: 'maybe' }));
  test('--config that does not exist', () =>
    expectRejected(['--work-dir', box.workDir, '--config', join(box.root, 'missing.yaml'), '--command', RAN], /missing\.yaml/));
  test('--config that is a directory', () =>
    expectRejected(
      ['--work-dir', box.workDir, '--config', box.root, '--command', RAN],
      new RegExp(box.root.replace(/[/.]/g, '\\$&')),
    ));
  test('--config with bad YAML is one warning naming the file; the command still runs (a config edit never kills jobs)', async () => {
    const file = join(box.root, 'bad.yaml');
    writeFileSync(file, 'notification: [unclosed\n');
    const result = await box.run(['--work-dir', box.workDir, '--config', file, '--command', RAN]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/bad\.yaml:\d+:\d+: invalid YAML.*the command runs/);
    expect(existsSync(join(box.workDir, 'ran'))).toBe(true);
  });

  test('--help shows every flag with an example, --version the version', async () => {
    const help = await box.run(['--help']);
    expect(help.code).toBe(0);
    for (const flag of [
      '--work-dir', '--command', '--log-dir', '--run-id', '--heartbeat-interval', '--kill-grace', '--quiet', '--config', '--notify',
    ]) {
      expect(help.stdout).toContain(flag);
      expect(help.stdout).toContain(`e.g. ${flag}`);
    }
    expect(help.stdout).toContain('HPC_RUN_WORK_DIR');
    const version = await box.run(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  test('HPC_RUN_STATE_DIR and HPC_RUN_CONFIG in the environment are not taken for flags', async () => {
    const result = await box.run(['--work-dir', box.workDir, '--quiet', '--command', 'true']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
  });
});
