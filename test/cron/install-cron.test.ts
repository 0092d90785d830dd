import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CRON_TAG, mergeCrontab } from '../../lib/cron/install-cron.js';
import { BIN, ROOT, isolatedEnv, makeTempDir, runBin } from '../helpers/run-bin.js';

// crontab(1) where the host has one; else the fixture standing in for it (same -l / - contract).
const FAKE_CRON_DIR = join(ROOT, 'test', 'fixtures', 'cron');
const USER_LINE = '0 3 * * * /usr/local/bin/backup --nightly';

let tmp: ReturnType<typeof makeTempDir>;
let home: string;
let crontabFile: string;
beforeEach(() => {
  tmp = makeTempDir('hpc-run-cron-');
  home = join(tmp.dir, 'home');
  mkdirSync(home);
  crontabFile = join(tmp.dir, 'crontab');
  writeFileSync(crontabFile, `MAILTO=alice\n${USER_LINE}\n`);
});
afterEach(() => tmp.cleanup());

// The environment of a login shell of the user: the fake crontab first on PATH, the private HOME, no state dir set.
function loginEnv(): NodeJS.ProcessEnv {
  const env = isolatedEnv('unused', { HOME: home, PATH: `${FAKE_CRON_DIR}:${process.env.PATH}`, FAKE_CRONTAB_FILE: crontabFile });
  delete env.HPC_RUN_STATE_DIR;
  return env;
}

const ourLines = () => readFileSync(crontabFile, 'utf8').split('\n').filter((l) => l.includes(CRON_TAG));

// Runs a crontab line's command the way cron does: /bin/sh -c, cron's minimal environment, `\%` unescaped.
function runAsCron(line: string) {
  const command = line.split(' ').slice(5).join(' ').replace(/\\%/g, '%');
  return spawnSync('/usr/bin/env', ['-i', 'PATH=/usr/bin:/bin', `HOME=${home}`, 'SHELL=/bin/sh', '/bin/sh', '-c', command], {
    encoding: 'utf8',
    cwd: home,
  });
}

// A finished run registered in $HOME's spool, as the wrapper leaves it for the monitor.
async function finishedRun(): Promise<string> {
  const work = join(tmp.dir, 'work');
  mkdirSync(work);
  const result = await runBin(BIN.wrapper, ['--work-dir', work, '--quiet', '--', 'true'], { env: loginEnv() });
  expect(result.code).toBe(0);
  expect(readdirSync(work).filter((n) => n.startsWith('.train_complete'))).toHaveLength(1);
  return work;
}

function expectDelivered(work: string) {
  expect(readdirSync(work).filter((n) => n.startsWith('.train_complete'))).toEqual([]);
  const log = readFileSync(join(home, 'train-monitor.cron.log'), 'utf8');
  expect(log).toMatch(/success/);
  expect(log).not.toMatch(/not found/);
}

describe('train-monitor install-cron', () => {
  test('adds one entry, keeps the user\'s crontab, replaces its own entry when run again; --dry-run changes nothing', async () => {
    const dry = await runBin(BIN.monitor, ['install-cron', '--dry-run'], { env: loginEnv() });
    expect(dry.code).toBe(0);
    expect(dry.stdout.trim()).toMatch(
      /^\*\/5 \* \* \* \* PATH=.* --once >> "\$HOME\/train-monitor\.cron\.log" 2>&1 # hpc-run: train-monitor --once$/,
    );
    expect(readFileSync(crontabFile, 'utf8')).toBe(`MAILTO=alice\n${USER_LINE}\n`);

    expect((await runBin(BIN.monitor, ['install-cron'], { env: loginEnv() })).code).toBe(0);
    const again = await runBin(BIN.monitor, ['install-cron', '--interval-minutes', '10'], { env: loginEnv() });
    expect(again.code).toBe(0);
    const text = readFileSync(crontabFile, 'utf8');
    expect(text.startsWith(`MAILTO=alice\n${USER_LINE}\n`)).toBe(true);
    expect(ourLines()).toHaveLength(1);
    expect(ourLines()[0]).toMatch(/^\*\/10 \* \* \* \* /);
  });

  test('the installed entry delivers under cron\'s minimal environment (absolute node and train-monitor)', async () => {
    expect((await runBin(BIN.monitor, ['install-cron'], { env: loginEnv() })).code).toBe(0);
    const work = await finishedRun();
    const run = runAsCron(ourLines()[0]);
    expect(run.status).toBe(0);
    expectDelivered(work);
  });

  test('a bad --interval-minutes or a missing crontab: one line, nothing changed', async () => {
    const bad = await runBin(BIN.monitor, ['install-cron', '--interval-minutes', '0'], { env: loginEnv() });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^train-monitor: --interval-minutes must be a whole number from 1 to 60, got '0'\n$/);
    // A PATH with node and nothing else: no crontab.
    const nodeOnly = join(tmp.dir, 'node-only');
    mkdirSync(nodeOnly);
    symlinkSync(process.execPath, join(nodeOnly, 'node'));
    const noCron = await runBin(BIN.monitor, ['install-cron'], { env: { ...loginEnv(), PATH: nodeOnly } });
    expect(noCron.code).toBe(1);
    expect(noCron.stderr).toMatch(/crontab is not on PATH/);
    expect(readFileSync(crontabFile, 'utf8')).toBe(`MAILTO=alice\n${USER_LINE}\n`);
  });

  test('mergeCrontab keeps every other line and replaces all of ours', () => {
    const line = `*/5 * * * * x ${CRON_TAG}`;
    expect(mergeCrontab('', line)).toEqual({ text: `${line}\n`, replaced: 0 });
    expect(mergeCrontab(`a\nold ${CRON_TAG}\nb\nolder ${CRON_TAG}`, line)).toEqual({ text: `a\nb\n${line}\n`, replaced: 2 });
  });
});

describe('slurm/monitor.cron as-is', () => {
  const TEMPLATE = join(ROOT, 'slurm', 'monitor.cron');
  const ONE_LINER = `(crontab -l 2>/dev/null | grep -vF '# hpc-run: train-monitor'; grep -v '^#' ${TEMPLATE}) | crontab -`;

  test('the documented one-liner adds it without replacing the crontab; twice leaves one entry', () => {
    for (let i = 0; i < 2; i++) expect(spawnSync('/bin/sh', ['-c', ONE_LINER], { env: loginEnv() }).status).toBe(0);
    expect(readFileSync(crontabFile, 'utf8').startsWith(`MAILTO=alice\n${USER_LINE}\n`)).toBe(true);
    expect(ourLines()).toHaveLength(1);
    expect(readFileSync(crontabFile, 'utf8').trim().split('\n')).toHaveLength(3);
  });

  test('its line delivers under cron\'s PATH for a prefix install in ~/.local', async () => {
    mkdirSync(join(home, '.local', 'bin'), { recursive: true });
    symlinkSync(BIN.monitor, join(home, '.local', 'bin', 'train-monitor'));
    symlinkSync(process.execPath, join(home, '.local', 'bin', 'node'));
    const work = await finishedRun();
    const line = readFileSync(TEMPLATE, 'utf8').split('\n').find((l) => l.trim() !== '' && !l.startsWith('#'))!;
    const run = runAsCron(line);
    expect(run.status).toBe(0);
    expect(existsSync(join(home, 'train-monitor.cron.log'))).toBe(true);
    expectDelivered(work);
  });
});
