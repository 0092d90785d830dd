import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startReceiver, type Receiver } from '../helpers/http-receiver.js';
import { BIN, runBin } from '../helpers/run-bin.js';
import { makeSandbox, statusOf, type Sandbox } from './setup.js';

// train.notify_each_attempt: with --notify and --retries, each failed attempt that will be retried is reported at
// once (attempt_failed, severity info) through the configured channels; the run itself never depends on it.

const failUntil = (n: number) =>
  `n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count; echo "start $n"; ` +
  `[ $n -ge ${n} ] || { echo "ValueError: bad batch $n"; exit 1; }`;

type Body = { title: string; content: string; status: string; severity: string; delivery_id?: string };

let hook: Receiver;
let box: Sandbox;
beforeAll(async () => {
  hook = await startReceiver(() => ({ status: 200, body: { ok: true } }));
});
afterAll(() => hook.close());
beforeEach(() => {
  box = makeSandbox();
  hook.requests.length = 0;
  hook.respond(() => ({ status: 200, body: { ok: true } }));
});
afterEach(() => box.cleanup());

function config(each: boolean | null, language = 'en'): string {
  const path = join(box.root, 'config.yaml');
  const train = each === null ? '' : `train:\n  notify_each_attempt: ${each}\n`;
  writeFileSync(
    path,
    `${train}notification:\n  channels:\n    - {type: webhook, url: "${hook.url}/hook", timeout: 5}\nreport:\n  language: ${language}\n`,
  );
  return path;
}

const bodies = () => hook.requests.map((r) => r.json as Body);
const args = (cfg: string, ...more: string[]) => [
  '--work-dir', box.workDir, '--quiet', '--run-id', 'r', '--config', cfg,
  '--retries', '3', '--retry-delay', '0', ...more, '--command', failUntil(3),
];

describe('train.notify_each_attempt', () => {
  test('with --notify: two attempt_failed reports, then the final success report', async () => {
    const result = await box.run(args(config(true), '--notify'));
    expect(result.stderr).not.toMatch(/not a known setting|internal error/);
    expect(statusOf(result)).toBe(0);
    const got = bodies();
    expect(got.map((b) => b.status)).toEqual(['attempt_failed', 'attempt_failed', 'success']);
    expect(got[0]).toMatchObject({ severity: 'info' });
    expect(got[0].title).toContain('attempt 1 of 4 failed');
    expect(got[1].title).toContain('attempt 2 of 4 failed');
    expect(got[0].content).toContain('ValueError: bad batch 1');
    expect(got[0].content).not.toContain('start 2');
    expect(got[0].content).toContain('attempt 2 of 4 in 0s');
    expect(new Set(got.map((b) => b.delivery_id)).size).toBe(3);
    expect(got[2].content).toContain('succeeded on attempt 3 of 4');
    expect(existsSync(join(box.workDir, '.train_complete.r.json'))).toBe(false);

    // Every delivered report is in the history, the attempts as `attempt`, never as the run's end.
    const history = readFileSync(join(box.stateDir, 'history.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(history.map((e) => [e.kind, e.status])).toEqual([
      ['attempt', 'attempt_failed'], ['attempt', 'attempt_failed'], ['end', 'success'],
    ]);
    expect(history[0]).toMatchObject({ run_id: 'r', work_dir: box.workDir, severity: 'info', channels: ['webhook'] });
    expect(history[0].title).toContain('attempt 1 of 4 failed');
    const status = await runBin(BIN.monitor, ['status', '--all', '--json'], { env: box.env });
    expect(status.code).toBe(0);
    const rows = JSON.parse(status.stdout) as Array<{ run_id: string; state: string; status: string }>;
    expect(rows.map((r) => [r.run_id, r.state, r.status])).toEqual([['r', 'delivered', 'success']]);
  });

  test('in Chinese', async () => {
    await box.run(args(config(true, 'zh'), '--notify'));
    expect(bodies()[0].title).toContain('第 1 次尝试失败');
  });

  test.each([
    ['off by default', null, ['--notify'], ['success']],
    ['false', false, ['--notify'], ['success']],
    ['without --notify it does nothing', true, [], []],
  ] as const)('%s', async (_name, each, more, statuses) => {
    const result = await box.run(args(config(each), ...more));
    expect(statusOf(result)).toBe(0);
    expect(bodies().map((b) => b.status)).toEqual(statuses);
  });

  test('a failing channel never fails the run nor stops the retries', async () => {
    hook.respond((req) =>
      ((req.json as Body).status === 'attempt_failed' ? { status: 500, body: 'down' } : { status: 200, body: { ok: true } }),
    );
    const result = await box.run(args(config(true), '--notify'));
    expect(statusOf(result)).toBe(0);
    expect(result.stderr).toContain('report of failed attempt 1 not delivered');
    expect(bodies().map((b) => b.status)).toEqual(['attempt_failed', 'attempt_failed', 'success']);
  });

  test('a value that is not true or false is named', async () => {
    const path = join(box.root, 'bad.yaml');
    writeFileSync(path, 'train:\n  notify_each_attempt: sometimes\n');
    const result = await box.run(['--work-dir', box.workDir, '--config', path, '--command', 'touch ran']);
    expect(statusOf(result)).toBe(2);
    expect(result.stderr).toContain('train.notify_each_attempt');
    expect(existsSync(join(box.workDir, 'ran'))).toBe(false);
  });
});
