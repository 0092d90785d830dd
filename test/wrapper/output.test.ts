import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { logFileName } from '../../lib/common/paths.js';
import { FIXTURES, makeSandbox, statusOf, type Sandbox } from './setup.js';

// The log holds the command's bytes exactly; the console keeps stdout and stderr apart; names never collide.
describe('train-wrapper output and log', () => {
  let box: Sandbox;
  beforeEach(() => {
    box = makeSandbox();
  });
  afterEach(() => box.cleanup());

  const readLog = (name: string) => readFileSync(join(box.workDir, 'logs', name));

  test('stdout to stdout, stderr to stderr, both in the log, nothing of the wrapper in the log', async () => {
    const result = await box.run(['--work-dir', box.workDir, '--quiet', '--', join(FIXTURES, 'split-output.sh')]);
    expect(statusOf(result)).toBe(0);
    expect(result.stdout).toBe('out-1\nout-2\n');
    expect(result.stderr).toBe('err-1\nerr-2\n');
    const log = readLog(box.logs()[0]).toString('utf8');
    expect(log.split('\n').filter(Boolean).sort()).toEqual(['err-1', 'err-2', 'out-1', 'out-2']);
  });

  test('the wrapper\'s own lines go to stderr with a prefix (and --quiet silences them)', async () => {
    const result = await box.run(['--work-dir', box.workDir, '--command', 'echo hi']);
    expect(result.stdout).toBe('hi\n');
    const own = result.stderr.trim().split('\n');
    expect(own.length).toBeGreaterThan(0);
    for (const line of own) expect(line).toMatch(/^\[train-wrapper\] /);
    expect(readLog(box.logs()[0]).toString()).toBe('hi\n');
  });

  test('binary output and \\r progress bars land in the log byte for byte', async () => {
    const result = await box.run([
      '--work-dir', box.workDir, '--quiet',
      '--command', 'head -c 3000000 /dev/urandom | tee payload.bin; printf "\\r10%%\\r50%%\\r100%%\\n"',
    ]);
    expect(statusOf(result)).toBe(0);
    const payload = readFileSync(join(box.workDir, 'payload.bin'));
    const log = readLog(box.logs()[0]);
    expect(log.length).toBe(payload.length + '\r10%\r50%\r100%\n'.length);
    expect(log.subarray(0, payload.length).equals(payload)).toBe(true);
    expect(log.subarray(payload.length).toString()).toBe('\r10%\r50%\r100%\n');
  });

  test('a reader that stops reading slows the command down; nothing is dropped', async () => {
    const run = box.start(['--work-dir', box.workDir, '--quiet', '--command', 'head -c 8000000 /dev/zero | tr "\\0" x; echo done >&2']);
    // Stop reading the wrapper's stdout: its pipe fills, the wrapper waits, the command's pipe fills, the command waits.
    run.child.stdout!.pause();
    await new Promise((r) => setTimeout(r, 500));
    expect(run.child.exitCode).toBeNull();
    run.child.stdout!.resume();
    const result = await run.done;
    expect(statusOf(result)).toBe(0);
    expect(result.stdout.length).toBe(8000000);
    expect(readLog(box.logs()[0]).length).toBe(8000000 + 'done\n'.length);
  });

  test('PYTHONUNBUFFERED=1 for the command unless already set', async () => {
    const cmd = 'echo "P=${PYTHONUNBUFFERED-unset}"';
    expect((await box.run(['--work-dir', box.workDir, '--quiet', '--run-id', 'a', '--command', cmd])).stdout).toBe('P=1\n');
    expect(
      (await box.run(['--work-dir', box.workDir, '--quiet', '--run-id', 'b', '--command', cmd], { PYTHONUNBUFFERED: '0' })).stdout,
    ).toBe('P=0\n');
  });

  test('the command runs in the work dir, even when the wrapper is started elsewhere', async () => {
    const result = await box.run(['--work-dir', box.workDir, '--quiet', '--command', 'pwd']);
    expect(result.stdout.trim()).toBe(box.workDir);
  });

  test('an existing log is never overwritten: a taken name gets a suffix', async () => {
    // Take every name the next seconds could give, so the run must pick another one.
    const now = Date.now();
    const taken = [0, 1, 2, 3, 4, 5].map((s) => logFileName(new Date(now + s * 1000), null));
    mkdirSync(join(box.workDir, 'logs'));
    for (const name of taken) writeFileSync(join(box.workDir, 'logs', name), 'earlier run\n');
    expect(statusOf(await box.run(['--work-dir', box.workDir, '--quiet', '--command', 'echo new']))).toBe(0);
    for (const name of taken) expect(readLog(name).toString()).toBe('earlier run\n');
    const fresh = box.logs().filter((n) => !taken.includes(n));
    expect(fresh).toHaveLength(1);
    expect(fresh[0]).toMatch(/^train_\d{8}_\d{6}-2\.log$/);
    expect(readLog(fresh[0]).toString()).toBe('new\n');
    expect(box.marker().data.log_file).toBe(`logs/${fresh[0]}`);
  });

  test('two wrappers started together in one dir write two logs and two markers', async () => {
    const [a, b] = await Promise.all([
      box.run(['--work-dir', box.workDir, '--quiet', '--command', 'echo first; sleep 1']),
      box.run(['--work-dir', box.workDir, '--quiet', '--command', 'echo second; sleep 1']),
    ]);
    expect([statusOf(a), statusOf(b)]).toEqual([0, 0]);
    const logs = box.logs();
    expect(logs).toHaveLength(2);
    expect(logs.map((n) => readLog(n).toString()).sort()).toEqual(['first\n', 'second\n']);
    const markers = readdirSync(box.workDir).filter((n) => n.startsWith('.train_complete'));
    expect(markers).toHaveLength(2);
  });

  test('array tasks started in the same second get their own logs and markers', async () => {
    const task = (id: string) => ({ SLURM_JOB_ID: `50${id}`, SLURM_ARRAY_JOB_ID: '500', SLURM_ARRAY_TASK_ID: id });
    const results = await Promise.all(
      ['1', '2', '3'].map((id) => box.run(['--work-dir', box.workDir, '--quiet', '--command', `echo task ${id}`], task(id))),
    );
    expect(results.map(statusOf)).toEqual([0, 0, 0]);
    const logs = box.logs();
    expect(logs).toHaveLength(3);
    for (const id of ['1', '2', '3']) {
      const name = logs.find((n) => n.endsWith(`_500_${id}.log`))!;
      expect(readLog(name).toString()).toBe(`task ${id}\n`);
      expect(JSON.parse(readFileSync(join(box.workDir, `.train_complete.500_${id}.json`), 'utf8')).log_file).toBe(`logs/${name}`);
    }
  });

  test('--log-dir and HPC_RUN_* variables', async () => {
    const result = await box.run(['--quiet'], {
      HPC_RUN_WORK_DIR: box.workDir,
      HPC_RUN_COMMAND: 'echo from-env',
      HPC_RUN_LOG_DIR: 'out/logs',
      HPC_RUN_RUN_ID: 'envrun',
      HPC_RUN_HEARTBEAT_INTERVAL: '1m',
      HPC_RUN_KILL_GRACE: '5',
    });
    expect(statusOf(result)).toBe(0);
    expect(result.stdout).toBe('from-env\n');
    const marker = JSON.parse(readFileSync(join(box.workDir, '.train_complete.envrun.json'), 'utf8'));
    expect(marker.log_file).toMatch(/^out\/logs\/train_\d{8}_\d{6}_envrun\.log$/);
    // A flag beats its variable.
    const flagged = await box.run(['--quiet', '--run-id', 'flag', '--command', 'echo from-flag'], {
      HPC_RUN_WORK_DIR: box.workDir,
      HPC_RUN_COMMAND: 'echo from-env',
    });
    expect(flagged.stdout).toBe('from-flag\n');
  });
});
