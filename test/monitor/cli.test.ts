import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../helpers/run-bin.js';
import { startReceiver, type Receiver } from '../helpers/http-receiver.js';
import { makeMonitorSandbox, type MonitorSandbox } from './sandbox.js';

let box: MonitorSandbox;
beforeEach(() => {
  box = makeMonitorSandbox();
});
afterEach(() => box.cleanup());

// Exit 2 and exactly one line naming the problem (plus, for config files, the boundary's "fix:" line).
async function expectUsage(args: string[], pattern: RegExp, env: NodeJS.ProcessEnv = {}): Promise<void> {
  const result = await box.monitor(args, env);
  expect(result.code).toBe(2);
  expect(result.stdout).toBe('');
  const lines = result.stderr.trim().split('\n').filter((l) => !l.includes(': fix: '));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(result.stderr).not.toMatch(/internal error|\n\s+at /);
}

describe('bad input: one line, exit 2', () => {
  test.each([
    [['--bogus'], /unknown flag --bogus \(see train-monitor --help\)/],
    [['--intervall', '5'], /unknown flag --intervall: did you mean --interval\?/],
    [['--interval', '0'], /--interval must be a positive duration/],
    [['--interval', '-5'], /--interval must be a positive duration/],
    [['--interval', 'soon'], /--interval must be a positive duration.*'soon'/],
    [['--stale-after', 'x'], /--stale-after/],
    [['--once', '--watch'], /--once and --watch cannot be combined/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['doctor', '--once'], /--once does not apply to 'train-monitor doctor'/],
    [['--once', '--', 'x'], /unexpected argument 'x'/],
  ])('%j', async (args, pattern) => expectUsage(args, pattern));

  test('a bad value is blamed on the variable that gave it, not on the flag', async () => {
    await expectUsage(['--once'], /^train-monitor: HPC_RUN_INTERVAL must be a positive duration.*'abc'$/, { HPC_RUN_INTERVAL: 'abc' });
    await expectUsage(['--once'], /^train-monitor: HPC_RUN_STALE_AFTER must be/, { HPC_RUN_STALE_AFTER: '-1' });
    await expectUsage(['--once'], /^train-monitor: HPC_RUN_DRY_RUN must be 1 or 0/, { HPC_RUN_DRY_RUN: 'maybe' });
    // The flag beats its variable, so a bad variable under a good flag is never read.
    box.writeMarker('flagwins');
    const result = await box.monitor(
      ['--once', '--dry-run', '--stale-after', '5m', '--work-dir', box.workDir],
      { HPC_RUN_STALE_AFTER: 'abc' },
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('flagwins');
  });

  test("--once --interval 60 (the earlier tool's cron line): one pass, a note on stderr, exit 0; --quiet drops the note", async () => {
    box.writeMarker('oncewins');
    const result = await box.monitor(['--once', '--interval', '60', '--dry-run', '--work-dir', box.workDir]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('oncewins');
    expect(result.stderr).toMatch(/^\[train-monitor\] --once: one pass, then exit; --interval is ignored$/m);
    const quiet = await box.monitor(['--once', '--interval', '60', '--quiet', '--dry-run', '--work-dir', box.workDir]);
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).not.toMatch(/--interval/);
    // A bad --interval is still a mistake, even beside --once.
    await expectUsage(['--once', '--interval', 'soon'], /--interval must be a positive duration/);
  });

  test('config errors: unknown channel type, missing key or url, malformed YAML with its line, missing --config file', async () => {
    const write = (name: string, text: string) => {
      writeFileSync(join(box.root, name), text);
      return join(box.root, name);
    };
    await expectUsage(
      ['--once', '--config', write('a.yaml', 'notification:\n  channels:\n    - {type: pigeon}\n')],
      /a\.yaml.*unknown channel type 'pigeon'/,
    );
    await expectUsage(
      ['--once', '--config', write('b.yaml', 'notification:\n  channels:\n    - {type: webhook}\n')],
      /b\.yaml.*needs 'url'/,
    );
    await expectUsage(['--once', '--config', write('c.yaml', 'notification:\n  type: xxtui\n')], /c\.yaml.*needs 'api_key'/);
    await expectUsage(
      ['--once', '--config', write('d.yaml', 'notification:\n  channels: [\n   - x: : y\n')],
      /d\.yaml:3(:\d+)?: invalid YAML/,
    );
    await expectUsage(['--once', '--config', join(box.root, 'missing.yaml')], /missing\.yaml.*cannot read/);
  });

  test('--help shows every flag with examples; --version prints the version', async () => {
    const help = await box.monitor(['--help']);
    expect(help.code).toBe(0);
    const shown = [
      '--work-dir', '--interval', '--once', '--watch', '--poll', '--stale-after', '--dry-run', '--config', '--quiet',
      'test', 'doctor', 'Examples:', 'Exit status',
    ];
    for (const flag of shown) {
      expect(help.stdout).toContain(flag);
    }
    const version = await box.monitor(['--version']);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('long-running monitors', () => {
  let hook: Receiver;
  beforeAll(async () => {
    hook = await startReceiver();
  });
  afterAll(async () => {
    await hook.close();
  });

  test('a second long-running monitor on the same dir is refused; --once beside it works', async () => {
    const first = box.startMonitor(['--interval', '1', '--work-dir', box.workDir]);
    let stderr = '';
    first.child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    await waitFor(() => stderr.includes('watching'));
    const second = await box.monitor(['--interval', '1', '--work-dir', box.workDir]);
    expect(second.code).toBe(2);
    expect(second.stderr.trim().split('\n')).toHaveLength(1);
    expect(second.stderr).toMatch(/another train-monitor \(pid \d+ on .*\) is already watching/);
    box.writeMarker('side1');
    const once = await box.monitor(['--once', '--work-dir', box.workDir]);
    expect(once.code).toBe(0);
    first.child.kill('SIGTERM');
    expect((await first.done).code).toBe(0);
    // The lock is released: a new long-running monitor starts.
    const third = box.startMonitor(['--interval', '1', '--work-dir', box.workDir]);
    let stderr3 = '';
    third.child.stderr?.on('data', (d: Buffer) => (stderr3 += d.toString()));
    await waitFor(() => stderr3.includes('watching'));
    expect(stderr3).toMatch(/; config: built-in defaults\n/);
    third.child.kill('SIGINT');
    expect((await third.done).code).toBe(0);
  });

  test('--watch (polling) delivers a marker that appears, and stops cleanly on SIGTERM', async () => {
    box.writeConfig(`notification:\n  channels:\n    - {type: webhook, url: "${hook.url}/hook"}\n`);
    hook.requests.length = 0;
    const monitor = box.startMonitor(['--watch', '--interval', '60', '--work-dir', box.workDir, '--config', box.configPath]);
    let stderr = '';
    monitor.child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    await waitFor(() => stderr.includes('watching'));
    // The start line names the config file in use (the most common "why did it go to the console?" answer).
    const startLine = stderr.split('\n').find((line) => line.includes('watching 1 work dir(s): '));
    expect(startLine?.endsWith(`; config: ${box.configPath}`)).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    const marker = box.writeMarker('w1');
    await waitFor(() => hook.requests.length === 1 && !existsSync(marker), 30000);
    monitor.child.kill('SIGTERM');
    const result = await monitor.done;
    expect(result.code).toBe(0);
    expect(box.trainFiles()).toEqual([]);
    expect(JSON.stringify(hook.requests[0].json)).toContain('w1');
  });

  test('HPC_RUN_* variables stand in for the flags', async () => {
    box.writeMarker('env1');
    const result = await box.monitor(['--once'], { HPC_RUN_WORK_DIR: box.workDir, HPC_RUN_DRY_RUN: '1' });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('env1');
    expect(box.trainFiles()).toEqual(['.train_complete.env1.json']);
    expect(readFileSync(join(box.workDir, '.train_complete.env1.json'), 'utf8')).toContain('env1');
  });
});
