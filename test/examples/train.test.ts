import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive } from '../helpers/processes.js';
import { ROOT, makeTempDir, waitFor } from '../helpers/run-bin.js';

const TRAIN = join(ROOT, 'examples', 'train.py');

interface Running {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  /** Resolves once the script's stdout and stderr are closed (after it and every worker holding them ended). */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when the script itself exits, even while orphaned workers still hold its pipes. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

// Starts examples/train.py with python3 in its own process group (so a test can clean up every worker).
function startTrain(args: string[], cwd: string): Running {
  const child = spawn('python3', [TRAIN, ...args], { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, out: () => stdout, err: () => stderr, done, exited };
}

// The process group of a pid, through ps (works on Linux and macOS).
function processGroupOf(pid: number): number {
  return Number(spawnSync('ps', ['-o', 'pgid=', '-p', String(pid)], { encoding: 'utf8' }).stdout.trim());
}

describe('examples/train.py', () => {
  const tmp = makeTempDir('hpc-run-examples-');
  const groups: number[] = [];
  afterAll(() => {
    for (const pgid of groups) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    tmp.cleanup();
  });

  test('loss lines on stdout, a \\r progress bar on stderr, exit 0', async () => {
    const run = startTrain(['--steps', '5', '--sleep', '0.01'], tmp.dir);
    expect(await run.done).toEqual({ code: 0, signal: null });
    const steps = run.out().split('\n').filter((l) => l.startsWith('step='));
    expect(steps).toHaveLength(5);
    for (const [i, line] of steps.entries()) expect(line).toMatch(new RegExp(`^step=${i + 1} loss=\\d+\\.\\d{4}$`));
    expect(run.out()).toContain('training done: 5 steps');
    const frames = run.err().split('\r').filter(Boolean);
    expect(frames.length).toBeGreaterThanOrEqual(6);
    expect(frames[frames.length - 1]).toMatch(/^train: 100%\|█+\| 5\/5 \[\d\d:\d\d<\d\d:\d\d, [\d.]+it\/s\]\n$/);
  });

  test('--fail CODE: a CUDA-OOM traceback on stderr and exit CODE', async () => {
    const run = startTrain(['--steps', '2', '--sleep', '0.01', '--fail', '3'], tmp.dir);
    expect(await run.done).toEqual({ code: 3, signal: null });
    expect(run.err()).toContain('Traceback (most recent call last):');
    expect(run.err()).toMatch(/^RuntimeError: CUDA out of memory\. Tried to allocate 2\.00 GiB/m);
    expect(run.out()).not.toContain('training done');
  });

  test('SIGUSR1 writes a checkpoint and training goes on; --resume continues after it', async () => {
    const cwd = makeTempDir('hpc-run-ckpt-');
    try {
      const run = startTrain(['--steps', '30', '--sleep', '0.05'], cwd.dir);
      groups.push(run.child.pid!);
      await waitFor(() => /^step=3 /m.test(run.out()));
      run.child.kill('SIGUSR1');
      const saved = await waitFor(() => /^checkpoint saved at step (\d+)$/m.exec(run.out()));
      const step = Number(saved?.[1]);
      expect(await run.done).toEqual({ code: 0, signal: null });
      expect(run.out()).toContain('step=30 ');
      const dir = join(cwd.dir, 'checkpoints');
      expect(readdirSync(dir)).toEqual([`ckpt_step_${String(step).padStart(6, '0')}.txt`]);
      expect(readFileSync(join(dir, readdirSync(dir)[0]), 'utf8')).toBe(`step=${step}\n`);

      const resumed = startTrain(['--steps', '30', '--sleep', '0.001', '--resume'], cwd.dir);
      expect(await resumed.done).toEqual({ code: 0, signal: null });
      expect(resumed.out()).toContain(`resuming from step ${step}\n`);
      expect(resumed.out().split('\n').find((l) => l.startsWith('step='))).toMatch(new RegExp(`^step=${step + 1} `));
    } finally {
      cwd.cleanup();
    }
  });

  test('--workers N --hang: N workers in the same process group; they outlive a SIGTERM of the script', async () => {
    const run = startTrain(['--steps', '1', '--sleep', '0.01', '--workers', '2', '--hang'], tmp.dir);
    const pgid = run.child.pid!;
    groups.push(pgid);
    await waitFor(() => run.out().includes('hanging'));
    const pids = [...run.out().matchAll(/^worker \d pid=(\d+)$/gm)].map((m) => Number(m[1]));
    expect(pids).toHaveLength(2);
    for (const pid of pids) {
      expect(isAlive(pid)).toBe(true);
      expect(processGroupOf(pid)).toBe(pgid);
    }
    run.child.kill('SIGTERM');
    expect(await run.exited).toEqual({ code: null, signal: 'SIGTERM' });
    // Orphaned, like real data-loader workers, and still holding the script's stdout and stderr: only a kill
    // of the whole group ends them (and only then do the pipes close).
    for (const pid of pids) expect(isAlive(pid)).toBe(true);
    process.kill(-pgid, 'SIGKILL');
    await run.done;
    await waitFor(() => pids.every((pid) => !isAlive(pid)));
  });

  test('--ignore-term: SIGTERM is reported and ignored, SIGKILL ends it', async () => {
    const run = startTrain(['--steps', '1', '--sleep', '0.01', '--ignore-term', '--hang'], tmp.dir);
    groups.push(run.child.pid!);
    await waitFor(() => run.out().includes('hanging'));
    run.child.kill('SIGTERM');
    await waitFor(() => run.out().includes('received SIGTERM at step 1, ignoring it'));
    expect(run.child.exitCode).toBeNull();
    run.child.kill('SIGKILL');
    expect(await run.done).toEqual({ code: null, signal: 'SIGKILL' });
  });
});
