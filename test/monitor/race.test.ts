import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { existsSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { useReceiver } from '../helpers/http-receiver.js';
import { waitFor } from '../helpers/run-bin.js';
import { makeMonitorSandbox, type MonitorSandbox } from './sandbox.js';

let box: MonitorSandbox;
const hook = useReceiver(() => ({ status: 200, body: { ok: true } }));
beforeEach(() => {
  box = makeMonitorSandbox();
});
afterEach(() => box.cleanup());

const runIds = () => hook.requests.map((q) => (q.json as { marker: { run_id: string } }).marker.run_id);

function writeHookConfig(extra = ''): void {
  box.writeConfig(`notification:
  channels:
    - {type: webhook, url: "${hook.url}/hook", timeout: 30}
${extra}`);
}

describe('exactly once', () => {
  test('four monitors racing --once over 100 markers deliver exactly 100 reports, each run once', async () => {
    writeHookConfig();
    for (let i = 0; i < 100; i += 1) box.writeMarker(`run${i}`);
    const args = ['--once', '--work-dir', box.workDir, '--config', box.configPath, '--quiet'];
    const results = await Promise.all([0, 1, 2, 3].map(() => box.monitor(args)));
    for (const r of results) {
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
    expect(hook.requests).toHaveLength(100);
    expect(new Set(runIds()).size).toBe(100);
    expect(box.trainFiles()).toEqual([]);
  });

  test('a monitor killed with SIGKILL mid-delivery loses nothing: the next one takes over its claim', async () => {
    writeHookConfig();
    hook.respond(() => ({ hang: true }));
    const marker = box.writeMarker('k1');
    const first = box.startMonitor(['--once', '--work-dir', box.workDir, '--config', box.configPath]);
    await waitFor(() => hook.requests.length === 1);
    expect(existsSync(marker)).toBe(false);
    expect(box.trainFiles()[0]).toMatch(/^\.train_complete\.k1\.json\.claim-/);
    first.child.kill('SIGKILL');
    await first.done;
    hook.respond(() => ({ status: 200, body: {} }));
    // Same host, dead pid: taken over at once, whatever the claim timeout.
    const second = await box.monitor(['--once', '--work-dir', box.workDir, '--config', box.configPath]);
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(/took over/);
    expect(runIds()).toEqual(['k1', 'k1']);
    expect(box.trainFiles()).toEqual([]);
  });

  test('a claim from another host is taken over once this monitor has watched it for claim_timeout', async () => {
    writeHookConfig('monitor:\n  claim_timeout: 1\n');
    const marker = box.writeMarker('remote1');
    const claim = join(box.workDir, '.train_complete.remote1.json.claim-otherhost-4242-0a1b2c3d');
    renameSync(marker, claim);
    const args = ['--once', '--work-dir', box.workDir, '--config', box.configPath];
    const seen = await box.monitor(args);
    expect(seen.code).toBe(0);
    expect(hook.requests).toHaveLength(0);
    expect(existsSync(claim)).toBe(true);
    await waitFor(async () => {
      await box.monitor(args);
      return hook.requests.length === 1;
    }, 30000, 300);
    expect(runIds()).toEqual(['remote1']);
    expect(readdirSync(box.workDir).filter((n) => n.startsWith('.train_'))).toEqual([]);
  });
});
