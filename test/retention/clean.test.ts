import { existsSync, mkdirSync, readdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, isolatedEnv, makeTempDir, runBin, startBin, waitFor } from '../helpers/run-bin.js';

const DAY = 86400;

// A work dir with delivered, undelivered, running and foreign files, cleaned through the real binary.
describe('train-monitor clean', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let work: string;
  let state: string;
  let env: NodeJS.ProcessEnv;
  const logsDir = () => join(work, 'logs');
  const logOf = (runId: string) => readdirSync(logsDir()).find((n) => n.endsWith(`_${runId}.log`))!;
  const age = (file: string, days: number) => {
    const t = Date.now() / 1000 - days * DAY;
    utimesSync(file, t, t);
  };
  const wrap = (runId: string, ...cmd: string[]) =>
    runBin(BIN.wrapper, ['--work-dir', work, '--run-id', runId, '--quiet', '--', ...cmd], { env });

  beforeEach(async () => {
    tmp = makeTempDir('hpc-run-clean-');
    work = join(tmp.dir, 'work');
    state = join(tmp.dir, 'state');
    mkdirSync(work);
    env = isolatedEnv(state, { HOME: tmp.dir });
    for (const id of ['r1', 'r2', 'r3', 'r4', 'r5']) expect((await wrap(id, 'sh', '-c', `echo output of ${id}`)).code).toBe(0);
    expect((await runBin(BIN.monitor, ['--once', '--quiet'], { env })).code).toBe(0); // delivered: markers gone
    expect((await wrap('u1', 'sh', '-c', 'echo undelivered; exit 4')).code).toBe(4); // marker stays undelivered
    for (const [id, days] of [['r1', 12], ['r2', 11], ['r3', 10], ['u1', 10]] as const) age(join(logsDir(), logOf(id)), days);
  });
  afterEach(() => tmp.cleanup());

  const clean = (...args: string[]) => runBin(BIN.monitor, ['clean', ...args], { env });

  test('--dry-run lists exactly the old logs beyond the last N with their bytes, and removes nothing', async () => {
    const before = readdirSync(logsDir()).sort();
    const result = await clean('--keep-last', '2', '--older-than', '7d', '--dry-run');
    expect(result.code).toBe(0);
    const listed = result.stdout
      .split('\n')
      .filter((l) => l.startsWith('would remove'))
      .map((l) => l.split(/\s+/).find((w) => w.includes('/logs/'))!);
    expect(listed.sort()).toEqual(['r1', 'r2', 'r3'].map((id) => join(logsDir(), logOf(id))).sort());
    expect(result.stdout).toMatch(/3 file\(s\) would be removed.*would be freed/);
    expect(readdirSync(logsDir()).sort()).toEqual(before);
  });

  test('removes old delivered logs, keeps undelivered, running, recent, foreign and symlinked ones', async () => {
    const outside = join(tmp.dir, 'elsewhere');
    mkdirSync(outside);
    writeFileSync(join(outside, 'train_20200101_000000_x.log'), 'not ours to remove\n');
    age(join(outside, 'train_20200101_000000_x.log'), 100);
    symlinkSync(join(outside, 'train_20200101_000000_x.log'), join(logsDir(), 'train_20200101_000000_link.log'));
    writeFileSync(join(logsDir(), 'notes.txt'), 'the user\'s own file\n');
    age(join(logsDir(), 'notes.txt'), 100);
    const live = startBin(BIN.wrapper, ['--work-dir', work, '--run-id', 'live', '--quiet', '--', 'sh', '-c', 'echo started; sleep 30'], {
      env,
    });
    await waitFor(() => existsSync(join(work, '.train_running.live.json')) && readdirSync(logsDir()).some((n) => n.endsWith('_live.log')));
    age(join(logsDir(), logOf('live')), 30);

    const result = await clean('--older-than', '7d');
    live.child.kill('SIGTERM');
    await live.done;
    expect(result.code).toBe(0);
    const left = readdirSync(logsDir());
    for (const id of ['r1', 'r2', 'r3']) expect(left.some((n) => n.endsWith(`_${id}.log`))).toBe(false);
    for (const id of ['r4', 'r5', 'u1', 'live']) expect(left.some((n) => n.endsWith(`_${id}.log`))).toBe(true);
    expect(left).toEqual(expect.arrayContaining(['notes.txt', 'train_20200101_000000_link.log']));
    expect(existsSync(join(outside, 'train_20200101_000000_x.log'))).toBe(true);
    expect(existsSync(join(work, '.train_complete.u1.json'))).toBe(true);
    expect(result.stdout).toMatch(/3 file\(s\) removed/);
    expect(result.stdout).toMatch(/2 log\(s\) of running or undelivered runs kept/);
  });

  test('drops spool entries of finished runs by the same rule, never those of live or undelivered runs', async () => {
    const spool = join(state, 'spool');
    const old = new Date(Date.now() - 40 * DAY * 1000).toISOString();
    const entry = (runId: string) => ({
      schema: 1,
      run_id: runId,
      work_dir: work,
      marker_file: `.train_complete.${runId}.json`,
      heartbeat_file: `.train_running.${runId}.json`,
      log_file: `logs/train_20200101_000000_${runId}.log`,
      host: 'h',
      pid: 1,
      started_at: old,
      slurm_job_id: null,
    });
    writeFileSync(join(spool, 'h.1.1.json'), JSON.stringify(entry('gone')));
    writeFileSync(join(spool, 'h.1.2.json'), JSON.stringify(entry('u1')));
    const result = await clean('--older-than', '30d');
    expect(result.code).toBe(0);
    expect(existsSync(join(spool, 'h.1.1.json'))).toBe(false);
    expect(existsSync(join(spool, 'h.1.2.json'))).toBe(true);
  });

  test('without a rule it says what to give, exit 2', async () => {
    const result = await clean();
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--keep-last N and\/or --older-than/);
    const bad = await clean('--older-than', 'a week');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--older-than must be a positive duration .* 7d/);
  });
});

describe('train-monitor clean with the config', () => {
  test('retention: in the config gives the rules when no flag does; a flag beats it; a bad value names the key', async () => {
    const tmp = makeTempDir('hpc-run-clean-config-');
    try {
      const work = join(tmp.dir, 'work');
      mkdirSync(join(work, 'logs'), { recursive: true });
      const env = isolatedEnv(join(tmp.dir, 'state'), { HOME: tmp.dir });
      const names = ['train_20260101_000000_a.log', 'train_20260102_000000_b.log', 'train_20260103_000000_c.log'];
      for (const name of names) {
        writeFileSync(join(work, 'logs', name), 'x\n');
        const t = Date.now() / 1000 - 30 * DAY;
        utimesSync(join(work, 'logs', name), t, t);
      }
      const config = join(tmp.dir, 'config.yaml');
      writeFileSync(config, `retention:\n  keep_last: 2\n  older_than: 7d\nwatch:\n  - ${work}\n`);
      const dry = await runBin(BIN.monitor, ['clean', '--config', config, '--dry-run'], { env });
      expect(dry.code).toBe(0);
      expect(dry.stdout).toMatch(/1 file\(s\) would be removed/);
      expect(dry.stdout).toContain(join(work, 'logs', names[0]));
      const flag = await runBin(BIN.monitor, ['clean', '--config', config, '--keep-last', '1', '--dry-run'], { env });
      expect(flag.stdout).toMatch(/2 file\(s\) would be removed/);
      writeFileSync(config, 'retention:\n  older_than: a week\n');
      const bad = await runBin(BIN.monitor, ['clean', '--config', config], { env });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/retention\.older_than/);
    } finally {
      tmp.cleanup();
    }
  });
});
