import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runDoctor } from '../../lib/doctor/index.js';
import { closedPort, startReceiver, type Receiver } from '../helpers/http-receiver.js';
import { BIN, ROOT, isolatedEnv, makeTempDir, runBin } from '../helpers/run-bin.js';
import { captureLogger, makeSelfSignedCert, startHttpsServer, writeConfig } from './doctor-helpers.js';

const TOKEN = 'doctor-token-1234abcd';

describe('train-monitor doctor', () => {
  let receiver: Receiver;
  let https: { port: number; close: () => Promise<void> };
  let temp: { dir: string; cleanup: () => void };
  let env: NodeJS.ProcessEnv;
  let healthy: string;

  beforeAll(async () => {
    temp = makeTempDir();
    receiver = await startReceiver();
    https = await startHttpsServer(makeSelfSignedCert(temp.dir));
    env = isolatedEnv(join(temp.dir, 'state'));
    healthy = writeConfig(
      temp.dir,
      `notification:
  channels:
    - {name: hook, type: webhook, url: "${receiver.url}/hook", headers: {Authorization: "Bearer ${TOKEN}"}}
    - {name: alerts, type: ntfy, topic: alerts, server: "http://localhost:${receiver.port}"}
    - {type: console}
`,
      0o600,
      'healthy.yaml',
    );
  });
  afterAll(async () => {
    await Promise.all([receiver.close(), https.close()]);
    temp.cleanup();
  });

  const doctor = async (configPath: string, extraEnv: NodeJS.ProcessEnv = {}) => {
    const { logger, stdout, stderr } = captureLogger();
    const code = await runDoctor({ configPath, env: { ...env, ...extraEnv }, logger });
    return { code, stdout: stdout(), lines: stdout().trim().split('\n'), stderr: stderr() };
  };

  test('all well: every check passes, nothing is sent, exit 0', async () => {
    const run = await doctor(healthy);
    expect(run.code).toBe(0);
    expect(run.lines).toEqual(
      expect.arrayContaining([
        `✓ config: ${healthy} loads; channels: hook (webhook), alerts (ntfy), console (console)`,
        '✓ secrets: no secrets file readable by group or others',
        `✓ state dir: ${join(temp.dir, 'state')} is writable`,
        `✓ spool dir: ${join(temp.dir, 'state', 'spool')} is writable`,
        `✓ channel hook (webhook): TCP connect 127.0.0.1:${receiver.port}`,
        expect.stringMatching(/^✓ channel alerts \(ntfy\): name lookup localhost → /),
        expect.stringMatching(new RegExp(`^✓ channel alerts \\(ntfy\\): TCP connect localhost:${receiver.port}`)),
        '✓ channel console (console): nothing to reach (local output)',
        'doctor: all checks passed',
      ]),
    );
    expect(run.lines.filter((l) => l.startsWith('✗'))).toEqual([]);
    expect(receiver.requests).toHaveLength(0);
    expect(run.stdout).not.toContain(TOKEN);
  });

  test('every config error at once, each with its file and key, exit 1', async () => {
    const file = writeConfig(
      temp.dir,
      `notification:
  channels:
    - {type: pigeon}
    - {type: dingtalk}
report:
  language: fr
`,
      0o600,
      'broken.yaml',
    );
    const run = await doctor(file);
    expect(run.code).toBe(1);
    const errors = run.lines.filter((l) => l.startsWith('✗ config:'));
    expect(errors).toHaveLength(3);
    expect(errors[0]).toContain(`${file}: notification.channels[0].type`);
    expect(errors[1]).toContain(`${file}: notification.channels[1].access_token`);
    expect(errors[2]).toContain(`${file}: report.language`);
    expect(run.stdout).toMatch(/^ {4}fix: /m);
    expect(run.lines[run.lines.length - 1]).toBe('doctor: 3 problems found');
  });

  test('a config holding secrets readable by others fails with the chmod 600 fix', async () => {
    const file = writeConfig(
      temp.dir,
      `notification:\n  channels:\n    - {type: wecom, key: "${TOKEN}", url: "${receiver.url}/send"}\n`,
      0o644,
      'shared.yaml',
    );
    const run = await doctor(file);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^✗ secrets: .*readable by group or others/m);
    expect(run.stdout).toContain(`fix: chmod 600 ${file}`);
    expect(run.stdout).not.toContain(TOKEN);
  });

  test('a state dir that cannot be written fails with the fix', async () => {
    const blocker = join(temp.dir, 'not-a-dir');
    writeFileSync(blocker, 'x');
    const run = await doctor(healthy, { HPC_RUN_STATE_DIR: join(blocker, 'state') });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^✗ state dir: .* is not writable \((ENOTDIR|EEXIST)\)$/m);
    expect(run.stdout).toMatch(/^✗ spool dir: /m);
    expect(run.stdout).toMatch(/fix: mkdir -p .*HPC_RUN_STATE_DIR/);
  });

  test('missing scheduler commands are a note, not a failure', async () => {
    const bin = join(temp.dir, 'fake-bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'squeue'), '#!/bin/sh\nexit 0\n');
    chmodSync(join(bin, 'squeue'), 0o755);
    const run = await doctor(healthy, { PATH: bin });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^! scheduler: sacct, scontrol, sbatch not found \(found: squeue\)$/m);
    expect(run.stdout).toMatch(/fix: fine on a machine without Slurm/);
  });

  test('reachability: refused port, unknown host and an untrusted certificate each fail with their fix', async () => {
    const refused = await closedPort();
    const file = writeConfig(
      temp.dir,
      `notification:
  channels:
    - {name: closed, type: webhook, url: "http://127.0.0.1:${refused}/hook"}
    - {name: nowhere, type: ntfy, topic: t, server: "https://hpc-run-doctor-test.invalid"}
    - {name: selfsigned, type: feishu, token: "${TOKEN}", url: "https://localhost:${https.port}/open-apis/bot/v2/hook/{token}"}
`,
      0o600,
      'unreachable.yaml',
    );
    const run = await doctor(file);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      new RegExp(
        `^✗ channel closed \\(webhook\\): TCP connect 127\\.0\\.0\\.1:${refused} failed \\(ECONNREFUSED\\)\\n {4}` +
          'fix: nothing listens on',
        'm',
      ),
    );
    expect(run.stdout).toMatch(
      new RegExp(
        '^✗ channel nowhere \\(ntfy\\): name lookup of hpc-run-doctor-test\\.invalid failed \\(\\w+\\)\\n {4}' +
          'fix: check the host in channels\\.nowhere\\.server',
        'm',
      ),
    );
    expect(run.stdout).toMatch(new RegExp(`^✓ channel selfsigned \\(feishu\\): TCP connect localhost:${https.port}`, 'm'));
    expect(run.stdout).toMatch(
      new RegExp(
        '^✗ channel selfsigned \\(feishu\\): TLS handshake with localhost:\\d+ failed \\(DEPTH_ZERO_SELF_SIGNED_CERT\\)\\n {4}' +
          'fix: .*NODE_EXTRA_CA_CERTS',
        'm',
      ),
    );
    expect(run.stdout).not.toContain(TOKEN);
  });

  const built = existsSync(join(ROOT, 'dist', 'train-monitor.mjs'));
  (built ? describe : describe.skip)('the binary', () => {
    test('bin/train-monitor doctor exits 0 when all is well and 1 with a broken config', async () => {
      const ok = await runBin(BIN.monitor, ['doctor', '--config', healthy], { env, cwd: temp.dir });
      expect(ok.code).toBe(0);
      expect(ok.stdout).toMatch(/^✓ config: /m);
      expect(ok.stdout).toMatch(/^doctor: all checks passed$/m);

      const file = writeConfig(temp.dir, 'notification:\n  channels:\n    - {type: pigeon}\n', 0o600, 'bin-broken.yaml');
      const bad = await runBin(BIN.monitor, ['doctor', '--config', file], { env, cwd: temp.dir });
      expect(bad.code).toBe(1);
      expect(bad.stdout).toMatch(
        new RegExp(
          `^✗ config: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ` +
            "notification\\.channels\\[0\\]\\.type: unknown channel type 'pigeon'",
          'm',
        ),
      );
    });

    test('the TLS check passes once the certificate is trusted through NODE_EXTRA_CA_CERTS', async () => {
      const file = writeConfig(
        temp.dir,
        `notification:\n  channels:\n    - {name: selfsigned, type: bark, device_key: "${TOKEN}", server: "https://localhost:${https.port}"}\n`,
        0o600,
        'tls.yaml',
      );
      const untrusted = await runBin(BIN.monitor, ['doctor', '--config', file], { env, cwd: temp.dir });
      expect(untrusted.code).toBe(1);
      expect(untrusted.stdout).toMatch(/^✗ channel selfsigned \(bark\): TLS handshake/m);
      const trusted = await runBin(BIN.monitor, ['doctor', '--config', file], {
        env: { ...env, NODE_EXTRA_CA_CERTS: join(temp.dir, 'cert.pem') },
        cwd: temp.dir,
      });
      expect(trusted.code).toBe(0);
      expect(trusted.stdout).toMatch(/^✓ channel selfsigned \(bark\): TLS handshake with localhost \(certificate for localhost\)$/m);
    });
  });
});
