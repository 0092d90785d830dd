import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, realpathSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { startReceiver, type Receiver } from '../helpers/http-receiver.js';
import { BIN, ROOT, isolatedEnv, makeTempDir, runBin, type RunResult } from '../helpers/run-bin.js';
import { writeFiles } from './helpers.js';

// Each case as a new user meets it: a fresh HOME, a work dir, the real binaries, a local receiver for the webhook.
let receiver: Receiver;
let box: { dir: string; cleanup: () => void };
let home: string;
let work: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  receiver = await startReceiver(() => ({ status: 200, body: { ok: true, code: 0 } }));
});
afterAll(async () => {
  await receiver.close();
});
beforeEach(() => {
  box = makeTempDir('hpc-run-discovery-');
  home = join(box.dir, 'home');
  work = join(box.dir, 'work');
  mkdirSync(home, { recursive: true });
  mkdirSync(work, { recursive: true });
  env = isolatedEnv(join(box.dir, 'state'), { HOME: home });
  receiver.requests.length = 0;
});
afterEach(() => box.cleanup());

const userConfig = (yaml: string) => writeFiles(home, { '.config/hpc-run/config.yaml': yaml });
const hook = () => `notification:\n  channels:\n    - {type: webhook, url: "${receiver.url}/hook"}\n`;
const wrapper = (args: string[], cwd = box.dir): Promise<RunResult> =>
  runBin(BIN.wrapper, ['--work-dir', work, ...args, '--', 'python3', '-c', 'print(1)'], { env, cwd });
const monitor = (args: string[], cwd = box.dir, bin = BIN.monitor): Promise<RunResult> => runBin(bin, args, { env, cwd });
const markers = () => readdirSync(work).filter((f) => f.startsWith('.train_complete'));
const warningLines = (r: RunResult) => r.stderr.split('\n').filter((l) => /warning/i.test(l));

describe('the wrapper never refuses to run the command over notification settings', () => {
  test('bad YAML in ~/.config/hpc-run/config.yaml: one warning; the command runs, its log and marker are written', async () => {
    userConfig('notification:\n  type: [unclosed\n');
    const run = await wrapper([]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('1');
    expect(warningLines(run)).toHaveLength(1);
    expect(run.stderr).toMatch(/config\.yaml:\d+:\d+: invalid YAML.*the command runs/);
    expect(markers()).toEqual(['.train_complete.json']);
    expect(readdirSync(join(work, 'logs'))).toHaveLength(1);
  });

  test('an unknown channel type: not even read without --notify; with --notify one warning and the marker stays', async () => {
    userConfig('notification:\n  channels:\n    - {type: pigeon}\n');
    const plain = await wrapper([]);
    expect(plain.code).toBe(0);
    expect(warningLines(plain)).toEqual([]);
    expect(markers()).toHaveLength(1);
    const notify = await wrapper(['--notify', '--run-id', 'n1']);
    expect(notify.code).toBe(0);
    expect(warningLines(notify)).toHaveLength(1);
    expect(notify.stderr).toMatch(/unknown channel type 'pigeon'.*--notify leaves the marker for train-monitor/);
    expect(markers()).toContain('.train_complete.n1.json');
  });

  test('a missing api_keys.yaml with --notify: one warning, the marker is left for a monitor', async () => {
    userConfig('notification:\n  type: dingtalk\n  api_keys_file: keys/api_keys.yaml\n');
    const run = await wrapper(['--notify']);
    expect(run.code).toBe(0);
    expect(warningLines(run)).toHaveLength(1);
    expect(run.stderr).toMatch(/needs 'access_token'.*not found.*--notify leaves the marker/);
    expect(markers()).toEqual(['.train_complete.json']);
  });

  test('a bad train: value still stops it before anything runs, saying so on stderr', async () => {
    userConfig('notification:\n  channels:\n    - {type: pigeon}\ntrain:\n  work_dir: [a, b]\n');
    const run = await runBin(BIN.wrapper, ['--', 'true'], { env, cwd: box.dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/train\.work_dir: expected text/);
    expect(markers()).toEqual([]);
  });
});

describe('config discovery finds the user\'s file and never a stranger\'s', () => {
  test("a project's own config/config.yaml (Hydra's layout) is skipped: no odd log dir, reports go to the user's channel", async () => {
    const project = join(box.dir, 'project');
    writeFiles(project, { 'config/config.yaml': 'train:\n  epochs: 3\n  log_dir: ${hydra:runtime.output_dir}\n' });
    userConfig(hook());
    const run = await wrapper([], project);
    expect(run.code).toBe(0);
    expect(warningLines(run)).toEqual([]);
    expect(existsSync(join(work, '${hydra:runtime.output_dir}'))).toBe(false);
    const pass = await monitor(['--once', '--work-dir', work], project);
    expect(pass.code).toBe(0);
    expect(receiver.requests.map((r) => r.url)).toEqual(['/hook']);
    expect(pass.stdout).toBe('');
    const doctor = await monitor(['doctor'], project);
    expect(doctor.stdout).toContain(`! config: skipped ${join(project, 'config', 'config.yaml')}: it has no 'notification' section`);
    expect(doctor.stdout).toContain(`✓ config: ${join(home, '.config', 'hpc-run', 'config.yaml')} loads; channels: webhook (webhook)`);
  });

  test("the config/config.yaml beside the installed tool is found from any directory (the earlier tool's layout)", async () => {
    const tool = join(box.dir, 'tool');
    for (const part of ['bin', 'dist', 'package.json']) cpSync(join(ROOT, part), join(tool, part), { recursive: true });
    symlinkSync(realpathSync(join(ROOT, 'node_modules')), join(tool, 'node_modules'));
    writeFiles(tool, { 'config/config.yaml': hook() });
    await wrapper([]);
    const pass = await monitor(['--once', '--work-dir', work], box.dir, join(tool, 'bin', 'train-monitor'));
    expect(pass.code).toBe(0);
    expect(receiver.requests.map((r) => r.url)).toEqual(['/hook']);
    const doctor = await monitor(['doctor'], home, join(tool, 'bin', 'train-monitor'));
    expect(doctor.stdout).toContain(`✓ config: ${join(tool, 'config', 'config.yaml')} loads`);
  });

  test('`notifications:` gets a did-you-mean, every delivering run says no channel is configured, doctor marks it ✗', async () => {
    userConfig('notifications:\n  channels:\n    - {type: webhook, url: "http://127.0.0.1:9/x"}\n');
    await wrapper([]);
    const pass = await monitor(['--once', '--work-dir', work]);
    expect(pass.code).toBe(0);
    expect(pass.stderr).toContain("notifications is not a known setting and is ignored: did you mean 'notification'?");
    expect(pass.stderr).toMatch(/configures no notification channel: reports only go to this console.*'train-monitor doctor'/);
    const doctor = await monitor(['doctor']);
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toMatch(/^✗ channels: none configured/m);
    expect(doctor.stdout).toMatch(
      /^✗ config: .*notifications is not a known setting and is ignored\n {4}fix: did you mean 'notification'\?/m,
    );
  });

  test('no config at all: a monitor run that delivers says so on stderr with the fix; one that delivers nothing stays quiet', async () => {
    const quiet = await monitor(['--once', '--work-dir', work]);
    expect(quiet.stderr).toBe('');
    await wrapper([]);
    const pass = await monitor(['--once', '--work-dir', work]);
    expect(pass.code).toBe(0);
    expect(pass.stderr).toMatch(
      /no config file was found: reports only go to this console and notifications\.log; .*'train-monitor doctor'/,
    );
    const doctor = await monitor(['doctor']);
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toMatch(/^✗ channels: none configured \(no config file found\)/m);
  });
});

describe('unknown keys are warned about at every level, with a suggestion', () => {
  test('misspelled keys in a webhook and in xxtui: warned by the monitor, ✗ in doctor', async () => {
    userConfig(`notification:
  type: xxtui
  xxtui: {api_key: k-12345678, ulr: "${receiver.url}/x/{api_key}", url: "${receiver.url}/xxtui/{api_key}"}
  channels:
    - {type: webhook, url: "${receiver.url}/hook", hedaers: {X-Lab: nlp}, fromat: markdown}
`);
    chmodSync(join(home, '.config', 'hpc-run', 'config.yaml'), 0o600);
    await wrapper([]);
    const pass = await monitor(['--once', '--work-dir', work]);
    expect(pass.code).toBe(0);
    expect(pass.stderr).toContain("notification.xxtui.ulr is not a known setting and is ignored: did you mean 'url'?");
    expect(pass.stderr).toContain("notification.channels[0].hedaers is not a known setting and is ignored: did you mean 'headers'?");
    expect(pass.stderr).toContain("notification.channels[0].fromat is not a known setting and is ignored: did you mean 'format'?");
    const doctor = await monitor(['doctor']);
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toMatch(
      /^✗ config: .*notification\.channels\[0\]\.hedaers is not a known setting and is ignored\n {4}fix: did you mean 'headers'\?/m,
    );
  });

  test('an unknown channel type lists the known ones, with a suggestion', async () => {
    userConfig('notification:\n  type: xxtiu\n');
    const doctor = await monitor(['doctor']);
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toMatch(
      /notification\.type: unknown channel type 'xxtiu' \(did you mean 'xxtui'\?\); known types: console, xxtui, webhook, /,
    );
    const pass = await monitor(['--once', '--work-dir', work]);
    expect(pass.code).toBe(2);
    expect(pass.stderr).toContain("did you mean 'xxtui'?");
  });
});
