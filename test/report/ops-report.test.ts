import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startReceiver, type Receiver } from '../helpers/http-receiver.js';
import { BIN, runBin, waitFor } from '../helpers/run-bin.js';
import { writeControlFile } from '../wrapper/control-file.js';
import { makeSandbox, statusOf, type Sandbox } from '../wrapper/setup.js';

// The final report of a run with --retries, or one stopped through a control file: the real wrapper writes the
// marker, the real monitor delivers it to a webhook on 127.0.0.1, and the received text says what happened.

// A shell command that counts its starts in ./count and fails until its start number reaches $1.
const failUntil = (n: number) =>
  `n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count; echo "start $n"; [ $n -ge ${n} ] || exit 1`;

let hook: Receiver;
let box: Sandbox;
beforeAll(async () => {
  hook = await startReceiver(() => ({ status: 200, body: { ok: true } }));
});
afterAll(() => hook.close());
beforeEach(() => {
  box = makeSandbox();
  hook.requests.length = 0;
});
afterEach(() => box.cleanup());

// Runs `train-monitor --once` on the sandbox's work dir with a webhook channel; returns the received text.
async function deliver(language: 'en' | 'zh'): Promise<string> {
  const config = join(box.root, 'config.yaml');
  writeFileSync(
    config,
    `notification:\n  channels:\n    - {type: webhook, url: "${hook.url}/hook", timeout: 5}\nreport:\n  language: ${language}\n`,
  );
  const result = await runBin(BIN.monitor, ['--once', '--config', config, '--work-dir', box.workDir], { env: box.env, cwd: box.root });
  expect(result.stderr).not.toContain('internal error');
  expect(result.code).toBe(0);
  expect(hook.requests).toHaveLength(1);
  const { title, content } = hook.requests[0].json as { title: string; content: string };
  return `${title}\n${content}`;
}

describe('the report of a run with --retries', () => {
  test.each([
    ['en', 'succeeded on attempt 3 of 4', ['Attempt 1', 'Attempt 3'], 'exit code 1'],
    ['zh', '第 3 次尝试成功（共 4 次机会）', ['第 1 次尝试', '第 3 次尝试'], '退出码 1'],
  ] as const)('%s: fails twice, then succeeds: the outcome and each attempt', async (language, phrase, attempts, exit) => {
    const run = await box.run([
      '--work-dir', box.workDir, '--quiet', '--run-id', 'r', '--retries', '3', '--retry-delay', '0', '--command', failUntil(3),
    ]);
    expect(statusOf(run)).toBe(0);
    const text = await deliver(language);
    expect(text).toContain(phrase);
    for (const a of attempts) expect(text).toContain(a);
    expect(text).toContain(exit);
    expect(text).not.toContain('Attempt 4');
  });

  test.each([
    ['en', 'failed 3 times'],
    ['zh', '失败 3 次'],
  ] as const)('%s: always fails', async (language, phrase) => {
    const run = await box.run([
      '--work-dir', box.workDir, '--quiet', '--retries', '2', '--retry-delay', '0', '--command', 'echo try; exit 3',
    ]);
    expect(statusOf(run)).toBe(3);
    expect(await deliver(language)).toContain(phrase);
  });

  test('a single attempt says nothing about attempts', async () => {
    await box.run(['--work-dir', box.workDir, '--quiet', '--command', 'exit 3']);
    const text = await deliver('en');
    expect(text).not.toMatch(/attempt/i);
  });
});

describe('the report of a run stopped through train-monitor stop', () => {
  test.each([
    ['en', 'stopped by tester@login1', 'loss diverged'],
    ['zh', '由 tester@login1 停止', 'loss diverged'],
  ] as const)('%s: says who stopped it and why', async (language, who, why) => {
    const run = box.start([
      '--work-dir', box.workDir, '--quiet', '--run-id', 'r', '--control-interval', '0.2', '--command', 'echo ready; exec sleep 60',
    ]);
    await waitFor(() => run.output().includes('ready'));
    writeControlFile(box.workDir, 'r', { signal: 'TERM', reason: 'loss diverged' });
    expect(statusOf(await run.done)).toBe(143);
    const text = await deliver(language);
    expect(text).toContain(who);
    expect(text).toContain(why);
  });
});
