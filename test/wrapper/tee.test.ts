import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createLogger } from '../../lib/common/logger.js';
import { startCommand } from '../../lib/wrapper/child.js';
import { findTee } from '../../lib/wrapper/native-tee.js';
import { createLog, startOutput } from '../../lib/wrapper/output.js';
import { CAN_MOUNT, mountSmallDisk } from '../helpers/processes.js';
import { BIN, runBin, waitFor } from '../helpers/run-bin.js';
import { makeSandbox, type Sandbox } from './setup.js';

// The copying of the command's output when tee does it: the promises that other tests check through the
// wrapper's own signals, checked here against what Slurm does (signal every process of the step) and what a
// cluster does (a console that goes away, a log over its size limit). Then the in-process copier used without tee.
const descendants = (pid: number): number[] => {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // gone meanwhile
    }
  }
  const all: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      all.push(c);
      walk(c);
    }
  };
  walk(pid);
  return all;
};

(findTee() ? describe : describe.skip)('train-wrapper with tee copying the output', () => {
  let box: Sandbox;
  beforeEach(() => (box = makeSandbox()));
  afterEach(() => box.cleanup());
  const log = () => readFileSync(join(box.workDir, 'logs', box.logs()[0]), 'utf8');

  test('SIGTERM to every process of the job (as scancel does): the lines the command prints after it reach the log ' +
    'and the console', async () => {
    // The command gets SIGTERM twice, from the test (as from Slurm) and from the wrapper passing it on, as a task
    // under srun does. Two signals close together usually merge into one, but not always, so the handler ignores
    // the second one, as docs/slurm.md asks of a training script's handler.
    const job =
      'trap \'trap "" TERM; for i in 1 2 3; do echo "saved $i"; echo "err $i" >&2; done; exit 0\' TERM; echo ready; ' +
      'while :; do sleep 0.05; done';
    const run = box.start(['--work-dir', box.workDir, '--quiet', '--command', job]);
    await waitFor(() => run.output().includes('ready'));
    const tree = descendants(run.child.pid!);
    expect(tree.length).toBeGreaterThanOrEqual(3); // the tees and the command
    for (const pid of [run.child.pid!, ...tree]) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    const result = await run.done;
    // The shell may report its `sleep` killed by the same signal ("Terminated"): that is the command's output too.
    const lines = (text: string) => text.split('\n').filter((line) => line && line !== 'Terminated');
    expect(lines(result.stdout)).toEqual(['ready', 'saved 1', 'saved 2', 'saved 3']);
    expect(lines(result.stderr)).toEqual(['err 1', 'err 2', 'err 3']);
    expect(lines(log()).sort()).toEqual(['err 1', 'err 2', 'err 3', 'ready', 'saved 1', 'saved 2', 'saved 3']);
    expect(box.marker().data).toMatchObject({ status: 'terminated' });
  });

  test('a console that goes away (stdout closed) is dropped: the command runs on and the log gets every byte', async () => {
    const child = spawn(BIN.wrapper, ['--work-dir', box.workDir, '--quiet', '--command', 'head -c 2000000 /dev/zero; echo end >&2'], {
      env: box.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.once('data', () => child.stdout.destroy());
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(stderr).toBe('end\n');
    expect(readFileSync(join(box.workDir, 'logs', box.logs()[0])).length).toBe(2000000 + 'end\n'.length);
    expect(box.marker().data).toMatchObject({ status: 'success' });
  });

  test('a log over its size limit (ulimit -f) is warned about once; the console gets everything and the run ends normally', async () => {
    // dash counts `ulimit -f` in 512-byte blocks: 64 KiB for the log; the marker and the heartbeat stay under it.
    const args = ['--work-dir', box.workDir, '--command', 'head -c 300000 /dev/zero | tr "\\0" y; echo tail >&2'].map(
      (a) => `'${a.replace(/'/g, "'\\''")}'`,
    );
    const child = spawn('/bin/sh', ['-c', `ulimit -f 128; exec ${BIN.wrapper} ${args.join(' ')}`], {
      env: box.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = 0;
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.length));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(stdout).toBe(300000);
    expect(stderr).toContain('tail\n');
    expect(stderr.match(/cannot write the log .*output still goes to the console/g)).toHaveLength(1);
    expect(readFileSync(join(box.workDir, 'logs', box.logs()[0])).length).toBe(65536);
    // The marker says why the log is short, so the report can say it may be incomplete.
    expect(box.marker().data).toMatchObject({ status: 'success', exit_code: 0, log_error: expect.stringMatching(/File too large/) });
    const report = await runBin(BIN.monitor, ['--once', '--dry-run', '--work-dir', box.workDir], { env: box.env });
    expect(report.stdout).toMatch(/may be incomplete: writing it failed during the run \(File too large\)/);
  });

  (CAN_MOUNT ? test : test.skip)('a log dir on a full disk: the log stays empty, and the report says why, not "empty"', async () => {
    const logDir = join(box.root, 'scratch');
    const disk = mountSmallDisk(logDir, 64);
    try {
      disk.fill();
      const run = await box.run(['--work-dir', box.workDir, '--log-dir', logDir, '--command', 'echo hello; echo oops >&2']);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('hello');
      expect(run.stderr.match(/cannot write the log .*No space left on device.*output still goes to the console/g)).toHaveLength(1);
      const marker = box.marker().data;
      expect(marker).toMatchObject({ status: 'success', log_error: expect.stringMatching(/No space left on device/) });
      expect(readFileSync(marker.log_file as string, 'utf8')).toBe('');
      const report = await runBin(BIN.monitor, ['--once', '--dry-run', '--work-dir', box.workDir], { env: box.env });
      expect(report.stdout).toMatch(/may be incomplete: writing it failed during the run \(No space left on device\)/);
      expect(report.stdout).not.toMatch(/is empty/);
    } finally {
      disk.unmount();
    }
  });
});

describe('the in-process copier (where there is no tee)', () => {
  let box: Sandbox;
  beforeEach(() => (box = makeSandbox()));
  afterEach(() => box.cleanup());

  test('stdout and stderr apart, the log byte for byte, bytes counted for the heartbeat', async () => {
    const log = createLog(join(box.workDir, 'logs'), 'train.log');
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    stdout.on('data', (d: Buffer) => out.push(d));
    stderr.on('data', (d: Buffer) => err.push(d));
    const output = await startOutput(log, stdout, stderr, createLogger({ prefix: 't', quiet: true }), null);
    expect(output.targets).toEqual(['pipe', 'pipe']);
    const command = startCommand(
      { shell: true, text: 'head -c 100000 /dev/urandom > payload; cat payload; printf "e\\r1" >&2' },
      { cwd: box.workDir, env: process.env, output: output.targets },
    );
    output.attach(command);
    await command.exited;
    await output.done;
    output.guard.stop();
    output.stop();
    const payload = readFileSync(join(box.workDir, 'payload'));
    expect(Buffer.concat(out).equals(payload)).toBe(true);
    expect(Buffer.concat(err).toString()).toBe('e\r1');
    expect(output.stats.bytes).toBe(100003);
    expect(output.stats.lastOutputAt).toBeGreaterThan(0);
    expect(readFileSync(log.path).length).toBe(100003);
  });
});
