import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { closedPort, startReceiver, type Receiver } from '../helpers/http-receiver.js';
import { makeMonitorSandbox, type MonitorSandbox } from './sandbox.js';

const API_KEY = 'xk-SECRET-api-key-9f8e7d';
const HOOK_TOKEN = 'hook-SECRET-token-4c3b2a';

let xxtui: Receiver;
let hook: Receiver;
let box: MonitorSandbox;

beforeAll(async () => {
  xxtui = await startReceiver();
  hook = await startReceiver(() => ({ status: 200, body: { ok: true } }));
});
afterAll(async () => {
  await xxtui.close();
  await hook.close();
});
beforeEach(() => {
  box = makeMonitorSandbox();
  xxtui.requests.length = 0;
  hook.requests.length = 0;
  xxtui.respond(() => ({ status: 200, body: { code: 0, msg: 'ok' } }));
  hook.respond(() => ({ status: 200, body: { ok: true } }));
});
afterEach(() => box.cleanup());

// A config with both HTTP channels pointed at the local receivers; tiny retry times so tests need not wait.
function writeBothChannels(xxtuiUrl = `${xxtui.url}/xxtui/{api_key}`): string {
  return box.writeConfig(`notification:
  channels:
    - {type: xxtui, api_key: "${API_KEY}", url: "${xxtuiUrl}", timeout: 1}
    - {type: webhook, url: "${hook.url}/hook", headers: {Authorization: "Bearer \${HOOK_TOKEN}"}}
monitor:
  retry_base: 0.2
  retry_max: 0.5
`);
}

const runIdsOf = (r: Receiver) => r.requests.map((q) => (q.json as { marker?: { run_id?: string } })?.marker?.run_id);

describe('train-monitor --once delivers through each channel type', () => {
  test('console (the default): prints the report, appends notifications.log, deletes the marker', async () => {
    const log = 'step 1\nTraceback (most recent call last):\nValueError: boom\n';
    const marker = box.writeMarker('42', { status: 'failed', exit_code: 3 }, undefined, log);
    const result = await box.monitor(['--once', '--work-dir', box.workDir]);
    expect(result.stderr).not.toContain('internal error');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('42');
    expect(result.stdout).toContain('ValueError: boom');
    expect(existsSync(marker)).toBe(false);
    expect(readFileSync(join(box.stateDir, 'notifications.log'), 'utf8')).toContain('ValueError: boom');
    expect(box.trainFiles()).toEqual([]);
  });

  test('xxtui and webhook: one request each, success judged by the answer, marker deleted', async () => {
    writeBothChannels();
    const marker = box.writeMarker('7', { status: 'success' });
    const result = await box.monitor(['--once', '--work-dir', box.workDir, '--config', box.configPath], { HOOK_TOKEN });
    expect(result.code).toBe(0);
    expect(xxtui.requests).toHaveLength(1);
    expect(xxtui.requests[0].url).toBe(`/xxtui/${API_KEY}`);
    const body = xxtui.requests[0].json as { from: string; title: string; content: string };
    expect(body.title.length).toBeLessThanOrEqual(20);
    expect(body.content).toContain('done');
    expect(hook.requests).toHaveLength(1);
    expect(hook.requests[0].headers.authorization).toBe(`Bearer ${HOOK_TOKEN}`);
    expect(runIdsOf(hook)).toEqual(['7']);
    expect(existsSync(marker)).toBe(false);
    for (const text of [result.stdout, result.stderr]) {
      expect(text).not.toContain(API_KEY);
      expect(text).not.toContain(HOOK_TOKEN);
    }
  });
});

describe('failures are retried with backoff and delivered exactly once', () => {
  test('500, code 1, a timeout and connection refused keep the marker; the good channel is never sent twice', async () => {
    writeBothChannels();
    const marker = box.writeMarker('9', { status: 'failed', exit_code: 1 });
    const answers = [{ status: 500, body: { error: 'x' } }, { status: 200, body: { code: 1, msg: 'bad' } }, { hang: true as const }];
    const errors: string[] = [];
    const once = () => box.monitor(['--once', '--work-dir', box.workDir, '--config', box.configPath], { HOOK_TOKEN });
    // Runs --once until the xxtui receiver sees `count` requests (earlier runs may fall inside the backoff).
    const runUntil = async (count: number, receiver: Receiver) => {
      for (let i = 0; i < 200 && receiver.requests.length < count; i += 1) {
        const result = await once();
        expect(result.code).toBe(1);
        errors.push(result.stderr);
        if (receiver.requests.length < count) await new Promise((r) => setTimeout(r, 100));
      }
      expect(receiver.requests.length).toBe(count);
    };
    for (const [i, answer] of answers.entries()) {
      xxtui.respond(() => answer);
      await runUntil(i + 1, xxtui);
      const kept = JSON.parse(readFileSync(marker, 'utf8'));
      expect(kept.delivery.delivered).toEqual(['webhook']);
      expect(kept.delivery.attempts).toBe(i + 1);
    }
    // Connection refused: point xxtui at a closed port, wait for an attempt there.
    const port = await closedPort();
    writeBothChannels(`http://127.0.0.1:${port}/xxtui/{api_key}`);
    for (let i = 0; i < 200; i += 1) {
      const result = await once();
      expect(result.code).toBe(1);
      if (JSON.parse(readFileSync(marker, 'utf8')).delivery.attempts === 4) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(JSON.parse(readFileSync(marker, 'utf8')).delivery.attempts).toBe(4);
    // Recovery: back to the receiver answering code 0.
    writeBothChannels();
    xxtui.respond(() => ({ status: 200, body: { code: 0 } }));
    let final = await once();
    for (let i = 0; i < 200 && final.code !== 0; i += 1) {
      await new Promise((r) => setTimeout(r, 100));
      final = await once();
    }
    expect(final.code).toBe(0);
    expect(existsSync(marker)).toBe(false);
    expect(hook.requests).toHaveLength(1);
    expect(xxtui.requests).toHaveLength(4);
    const all = errors.join('\n');
    expect(all).toMatch(/500/);
    expect(all).toMatch(/retry/);
    expect(all).not.toContain(API_KEY);
    expect(all).not.toContain(HOOK_TOKEN);
    // Once more: nothing left to send.
    expect((await once()).code).toBe(0);
    expect(xxtui.requests).toHaveLength(4);
    expect(hook.requests).toHaveLength(1);
  });

  test('a secret never appears in stdout, stderr or notifications.log, even when a channel fails', async () => {
    box.writeConfig(`notification:
  channels:
    - {type: console}
    - {type: webhook, url: "http://127.0.0.1:${await closedPort()}/h", token: "${HOOK_TOKEN}", headers: {X-Key: "${API_KEY}"}, timeout: 1}
`);
    box.writeMarker('s1', { command: `python train.py --key ${API_KEY}` }, undefined, `token=${HOOK_TOKEN}\nkey ${API_KEY}\n`);
    const result = await box.monitor(['--once', '--work-dir', box.workDir, '--config', box.configPath]);
    expect(result.code).toBe(1);
    const log = readFileSync(join(box.stateDir, 'notifications.log'), 'utf8');
    for (const text of [result.stdout, result.stderr, log]) {
      expect(text).not.toContain(API_KEY);
      expect(text).not.toContain(HOOK_TOKEN);
    }
  });
});
