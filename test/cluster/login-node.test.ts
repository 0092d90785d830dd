import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { BIN, ROOT, isolatedEnv, makeTempDir, runBin, waitFor, type RunResult } from '../helpers/run-bin.js';
import { TEMPLATE, TRAIN_PY } from './cluster.js';

// The login-node templates: slurm/monitor.cron and slurm/monitor-screen.sh, run as a user would run them.
describe('login-node templates', () => {
  const cleanups: Array<() => void> = [];
  afterAll(() => cleanups.forEach((c) => c()));

  /** A home, a state dir and a work dir holding one finished run's marker, registered in the spool. */
  async function finishedRun() {
    const { dir, cleanup } = makeTempDir('hpc-run-login-');
    cleanups.push(cleanup);
    const home = join(dir, 'home');
    const work = join(dir, 'work');
    const state = join(dir, 'state');
    mkdirSync(home);
    mkdirSync(work);
    const path = [join(ROOT, 'bin'), dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(delimiter);
    const env = isolatedEnv(state, { HOME: home, PATH: path });
    delete env.XDG_STATE_HOME;
    delete env.HPC_RUN_CONFIG;
    const run = await runBin(
      BIN.wrapper,
      ['--work-dir', work, '--quiet', '--', 'python3', TRAIN_PY, '--steps', '2', '--sleep', '0.01'],
      { env, cwd: home },
    );
    expect(run.code).toBe(0);
    expect(readdirSync(work)).toContain('.train_complete.json');
    const reportCount = () => {
      const file = join(state, 'notifications.log');
      return existsSync(file) ? (readFileSync(file, 'utf8').match(/^===== /gm) ?? []).length : 0;
    };
    return { dir, home, work, state, env, reportCount };
  }

  test('monitor.cron: the crontab line runs as written; two overlapping runs without flock send one report', async () => {
    const text = readFileSync(TEMPLATE('monitor.cron'), 'utf8');
    const lines = text.split('\n').filter((l) => l.trim() && !l.startsWith('#'));
    const jobLine = lines.find((l) => /^\S+\s+\S+\s+\S+\s+\S+\s+\S+\s+/.test(l) && !/^[A-Z_]+=/.test(l));
    expect(jobLine).toBeDefined();
    const fields = jobLine!.trim().split(/\s+/);
    expect(fields.slice(0, 5)).toEqual(['*/5', '*', '*', '*', '*']);
    const command = fields.slice(5).join(' ');
    expect(command).toMatch(/^PATH="[^"]*\$HOME\/hpc-run\/bin[^"]*"; /); // cron's own PATH is /usr/bin:/bin
    expect(command).toContain('train-monitor --once');

    const run = await finishedRun();
    // A checkout in ~/hpc-run, one of the places the line looks; cron runs it with /bin/sh in the user's home.
    symlinkSync(ROOT, join(run.home, 'hpc-run'));
    const once = (): Promise<RunResult> => runBin('/bin/sh', ['-c', command], { env: run.env, cwd: run.home });
    const results = await Promise.all([once(), once()]);
    expect(results.map((r) => r.code)).toEqual([0, 0]);
    expect(run.reportCount()).toBe(1);
    expect(readdirSync(run.work).filter((n) => n.startsWith('.train_complete'))).toEqual([]);
    expect(readFileSync(join(run.home, 'train-monitor.cron.log'), 'utf8')).toContain('success');
  });

  const hasMultiplexer = ['screen', 'tmux'].some((tool) => {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  });
  if (!hasMultiplexer) console.warn('monitor-screen.sh test skipped: neither screen nor tmux is installed');
  const testWithMultiplexer = hasMultiplexer ? test : test.skip;
  testWithMultiplexer('monitor-screen.sh: starts train-monitor --interval 60 in a named session, once; --stop ends it', async () => {
    const run = await finishedRun();
    // A private tmux/screen socket dir and session name, so no session of the user is touched.
    const sockets = join(run.dir, 'sockets');
    mkdirSync(sockets);
    chmodSync(sockets, 0o700);
    const env: NodeJS.ProcessEnv = { ...run.env, TMUX_TMPDIR: sockets, SCREENDIR: sockets, HPC_RUN_SESSION: `hpc-run-test-${process.pid}` };
    delete env.TMUX;
    delete env.STY;
    const script = (args: string[]) => runBin('bash', [TEMPLATE('monitor-screen.sh'), ...args], { env, cwd: run.home });
    try {
      const start = await script(['--work-dir', run.work]);
      expect(start.code).toBe(0);
      expect(start.stdout).toMatch(/started 'train-monitor --interval 60 --work-dir .*' in (tmux|screen) session 'hpc-run-test-/);
      await waitFor(() => run.reportCount() === 1, 30_000, 200);
      const again = await script(['--work-dir', run.work]);
      expect(again.stdout).toContain('already running');
      expect(readdirSync(run.work).filter((n) => n.startsWith('.train_complete'))).toEqual([]);
    } finally {
      const stop = await script(['--stop']);
      expect(stop.stdout).toContain('stopped session');
    }
    expect((await script(['--stop'])).stdout).toContain('no session');
    expect(run.reportCount()).toBe(1);
  });
});
