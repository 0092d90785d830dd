import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../../lib/common/errors.js';
import { plainReason, runTestCommand } from '../../lib/doctor/index.js';
import { closedPort, startReceiver, type Receiver } from '../helpers/http-receiver.js';
import { BIN, ROOT, isolatedEnv, makeTempDir, runBin } from '../helpers/run-bin.js';
import { captureLogger, makeSelfSignedCert, startHttpsServer, writeConfig } from './doctor-helpers.js';

const SECRETS = ['dt-token-aaaa1111', 'SECbbbb2222cccc', 'fs-token-dddd3333', 'fs-secret-eeee4444', 'wc-key-ffff5555', 'tk_ntfy_gggg6666'];

describe('train-monitor test', () => {
  let good: Receiver;
  let bad: Receiver;
  let https: { port: number; close: () => Promise<void> };
  let temp: { dir: string; cleanup: () => void };
  let configFile: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    temp = makeTempDir();
    good = await startReceiver(() => ({ status: 200, body: { errcode: 0, errmsg: 'ok' } }));
    bad = await startReceiver((request) =>
      request.url.startsWith('/open-apis/')
        ? { status: 200, body: { code: 19021, data: {}, msg: 'sign match fail or timestamp is not within one hour from current time' } }
        : { status: 401, body: { code: 40101, http: 401, error: 'unauthorized' } },
    );
    https = await startHttpsServer(makeSelfSignedCert(temp.dir));
    const refused = await closedPort();
    configFile = writeConfig(
      temp.dir,
      `notification:
  channels:
    - {name: team, type: dingtalk, access_token: "${SECRETS[0]}", secret: "${SECRETS[1]}", url: "${good.url}/robot/send"}
    - {name: lark-bot, type: feishu, token: "${SECRETS[2]}", secret: "${SECRETS[3]}", url: "${bad.url}/open-apis/bot/v2/hook/{token}"}
    - {name: phone, type: wecom, key: "${SECRETS[4]}", url: "http://127.0.0.1:${refused}/cgi-bin/webhook/send"}
    - {name: alerts, type: ntfy, topic: alerts, token: "${SECRETS[5]}", server: "${bad.url}"}
    - {name: selfsigned, type: bark, device_key: "bark-key-hhhh7777", server: "https://localhost:${https.port}"}
`,
    );
    env = isolatedEnv(join(temp.dir, 'state'));
  });
  afterAll(async () => {
    await Promise.all([good.close(), bad.close(), https.close()]);
    temp.cleanup();
  });
  beforeEach(() => {
    good.requests.length = 0;
    bad.requests.length = 0;
  });

  test('in Chinese the test message says so in Chinese, title and body', async () => {
    const zhConfig = writeConfig(temp.dir, `notification:
  channels:
    - {name: team, type: dingtalk, access_token: "${SECRETS[0]}", url: "${good.url}/robot/send"}
report:
  language: zh
`, 0o600, 'zh.yaml');
    const { logger } = captureLogger();
    expect(await runTestCommand({ configPath: zhConfig, env, logger })).toBe(0);
    const { title, text } = (good.requests[0].json as { markdown: { title: string; text: string } }).markdown;
    expect(title).toBe('🔔 测试消息 · hpc-run');
    expect(text.split('\n\n')[1]).toBe('**这是 train-monitor test 发送的测试消息：没有运行任何作业，以下报告只是示例。**');
    expect(text).toContain('train-monitor test 发送的测试消息；没有运行任何作业。');
    expect(text).not.toMatch(/test message|no job ran/);
  });

  test('one line per channel: delivered, or the reason in plain words; exit 1 when any failed', async () => {
    const { logger, stdout, stderr } = captureLogger();
    const code = await runTestCommand({ configPath: configFile, env, logger });
    expect(code).toBe(1);
    const lines = stdout().trim().split('\n');
    expect(lines).toEqual([
      '✓ team (dingtalk): delivered',
      expect.stringMatching(/^✗ lark-bot \(feishu\): signature rejected \(code 19021: sign match fail/),
      expect.stringMatching(/^✗ phone \(wecom\): unreachable: connection refused by 127\.0\.0\.1:\d+$/),
      expect.stringMatching(/^✗ alerts \(ntfy\): bad key \(HTTP 401: unauthorized\)/),
      expect.stringMatching(/^✗ selfsigned \(bark\): TLS failure with localhost:\d+: certificate not trusted \(self-signed\)$/),
    ]);
    // The sample report really went out, laid out as a report.
    expect(good.requests).toHaveLength(1);
    const { title, text } = (good.requests[0].json as { markdown: { title: string; text: string } }).markdown;
    // It says it is a test: in the title and in the line right under it.
    expect(title).toBe('🔔 test message · hpc-run');
    expect(text.split('\n\n')[1]).toBe('**This is a test message from train-monitor test; no job ran, the report below is a sample.**');
    expect(text).toContain('epoch 3/3');
    for (const secret of SECRETS) expect(stdout() + stderr()).not.toContain(secret);
  });

  test('--channel NAME tests only that channel; exit 0 when it delivered', async () => {
    const { logger, stdout } = captureLogger();
    expect(await runTestCommand({ configPath: configFile, channel: 'team', env, logger })).toBe(0);
    expect(stdout().trim()).toBe('✓ team (dingtalk): delivered');
    expect(good.requests).toHaveLength(1);
    expect(bad.requests).toHaveLength(0);
  });

  test('--channel TYPE tests the channels of that type when no channel has that name', async () => {
    const { logger, stdout } = captureLogger();
    expect(await runTestCommand({ configPath: configFile, channel: 'dingtalk', env, logger })).toBe(0);
    expect(stdout().trim()).toBe('✓ team (dingtalk): delivered');
    expect(good.requests).toHaveLength(1);
    expect(bad.requests).toHaveLength(0);
  });

  test('an unknown channel name is a usage error listing the configured names', async () => {
    const { logger } = captureLogger();
    const run = runTestCommand({ configPath: configFile, channel: 'nope', env, logger });
    await expect(run).rejects.toBeInstanceOf(UsageError);
    await expect(runTestCommand({ configPath: configFile, channel: 'nope', env, logger })).rejects.toThrow(
      new RegExp(
        "no channel named 'nope' and none of that type; configured channels: " +
          'team \\(dingtalk\\), lark-bot \\(feishu\\), phone \\(wecom\\), alerts \\(ntfy\\), selfsigned \\(bark\\)',
      ),
    );
    expect(good.requests).toHaveLength(0);
  });

  test('plain words for the answers channels give', () => {
    expect(plainReason('service said bad key (errcode 300001: token is not exist)')).toBe('bad key (errcode 300001: token is not exist)');
    expect(plainReason('timed out after 10 s (example.com:443)')).toBe('unreachable: timed out after 10 s (example.com:443)');
    expect(plainReason('host not found: example.invalid:443')).toBe('unreachable: host not found: example.invalid:443');
    expect(plainReason('could not connect to example.com:443 (closed before connecting)')).toBe(
      'unreachable: could not connect to example.com:443 (closed before connecting)',
    );
    expect(plainReason('TLS failure with example.com:443: certificate expired')).toBe(
      'TLS failure with example.com:443: certificate expired',
    );
    expect(plainReason('HTTP 404: not found')).toBe('bad key or URL (HTTP 404: not found)');
    expect(plainReason('HTTP 503')).toBe('service error (HTTP 503)');
    expect(plainReason('service said code 7: odd')).toBe('service said code 7: odd');
  });

  const built = existsSync(join(ROOT, 'dist', 'train-monitor.mjs'));
  (built ? describe : describe.skip)('the binary', () => {
    test('bin/train-monitor test prints the same lines and exits 1; --channel team exits 0', async () => {
      const all = await runBin(BIN.monitor, ['test', '--config', configFile], { env, cwd: temp.dir });
      expect(all.code).toBe(1);
      expect(all.stdout).toMatch(/^✓ team \(dingtalk\): delivered$/m);
      expect(all.stdout).toMatch(/^✗ lark-bot \(feishu\): signature rejected/m);
      expect(all.stdout).toMatch(/^✗ phone \(wecom\): unreachable: connection refused/m);
      expect(all.stdout).toMatch(/^✗ selfsigned \(bark\): TLS failure/m);
      for (const secret of SECRETS) expect(all.stdout + all.stderr).not.toContain(secret);

      const one = await runBin(BIN.monitor, ['test', '--config', configFile, '--channel', 'team'], { env, cwd: temp.dir });
      expect(one.code).toBe(0);
      expect(one.stdout.trim()).toBe('✓ team (dingtalk): delivered');
      // What the robot got says it is a test, in its title and the line under it.
      const { title, text } = (good.requests.at(-1)?.json as { markdown: { title: string; text: string } }).markdown;
      expect(title).toBe('🔔 test message · hpc-run');
      expect(text).toContain('**This is a test message from train-monitor test;');
      // A type picks the channels of that type when no channel has that name.
      const byType = await runBin(BIN.monitor, ['test', '--config', configFile, '--channel', 'dingtalk'], { env, cwd: temp.dir });
      expect(byType.code).toBe(0);
      expect(byType.stdout.trim()).toBe('✓ team (dingtalk): delivered');
    });

    test('a self-signed server trusted through NODE_EXTRA_CA_CERTS delivers', async () => {
      const trusted = { ...env, NODE_EXTRA_CA_CERTS: join(temp.dir, 'cert.pem') };
      const run = await runBin(BIN.monitor, ['test', '--config', configFile, '--channel', 'selfsigned'], { env: trusted, cwd: temp.dir });
      expect(run.code).toBe(0);
      expect(run.stdout.trim()).toBe('✓ selfsigned (bark): delivered');
    });

    test('an unknown --channel exits 2 naming the configured channels', async () => {
      const run = await runBin(BIN.monitor, ['test', '--config', configFile, '--channel', 'nope'], { env, cwd: temp.dir });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/no channel named 'nope' and none of that type; configured channels: team \(dingtalk\), lark-bot/);
      expect(run.stdout).toBe('');
    });
  });
});
