import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { linkSync } from 'node:fs';
import { join } from 'node:path';
import { currentHost } from '../../lib/delivery/claim-name.js';
import { useReceiver } from '../helpers/http-receiver.js';
import { CAN_MOUNT, deadPid, liveStderr, mountSmallDisk, waitForPause } from '../helpers/processes.js';
import { waitFor } from '../helpers/run-bin.js';
import { makeMonitorSandbox, type MonitorSandbox } from '../monitor/sandbox.js';

let box: MonitorSandbox;
const hook = useReceiver(() => ({ status: 200, body: {} }));
beforeEach(() => {
  box = makeMonitorSandbox();
});
afterEach(() => box.cleanup());

function writeHookConfig(extra = ''): void {
  box.writeConfig(`notification:\n  channels:\n    - {type: webhook, url: "${hook.url}/hook", timeout: 30}\n${extra}`);
}

describe('a monitor acts on a marker only while it holds the claim', () => {
  test('issue 13 case 1: a monitor stopped past claim_timeout does not put back a marker another monitor delivered', async () => {
    writeHookConfig('monitor:\n  claim_timeout: 1\n  retry_base: 1\n');
    // The first request (the stalled monitor's) fails after 3 s; every later one is accepted.
    hook.respond((_, i) => (i === 0 ? { status: 500, delayMs: 3000 } : { status: 200, body: {} }));
    box.writeMarker('stall1');
    const args = ['--once', '--work-dir', box.workDir, '--config', box.configPath];
    const m1 = box.startMonitor(args);
    await waitFor(() => hook.requests.length === 1);
    m1.child.kill('SIGSTOP');
    try {
      // A second monitor watches the claim for claim_timeout, takes it over and delivers.
      await waitFor(async () => {
        await box.monitor(args);
        return hook.requests.length === 2;
      }, 30000, 300);
    } finally {
      m1.child.kill('SIGCONT');
    }
    const first = await m1.done;
    expect(first.stderr).toMatch(/another monitor took this marker over/);
    const after = await box.monitor(args);
    expect(after.code).toBe(0);
    expect(hook.requests).toHaveLength(2);
    expect(box.trainFiles()).toEqual([]);
  });

  test('issue 13 case 5: a put-back cut short leaves one name, and a half-done older put-back is delivered once', async () => {
    writeHookConfig('monitor:\n  retry_base: 1\n');
    // (a) What an older version left when killed between link and unlink: the marker and a claim sharing its file.
    const marker = box.writeMarker('half1');
    linkSync(marker, join(box.workDir, `.train_complete.half1.json.claim-${currentHost()}-${deadPid()}-0a1b2c3d`));
    const args = ['--once', '--work-dir', box.workDir, '--config', box.configPath];
    const once = await box.monitor(args);
    expect(once.code).toBe(0);
    expect(hook.requests).toHaveLength(1);
    expect(box.trainFiles()).toEqual([]);

    // (b) Killed in the middle of its own put-back: exactly one name is there, and it is delivered once.
    hook.respond((_, i) => (i === 1 ? { status: 500 } : { status: 200, body: {} }));
    box.writeMarker('half2');
    const m1 = box.startMonitor(args, { HPC_RUN_TEST_PAUSE_AT: 'put-back' });
    const stderr = liveStderr(m1.child);
    await waitForPause(stderr, 'put-back');
    m1.child.kill('SIGKILL');
    await m1.done;
    expect(box.trainFiles()).toHaveLength(1);
    await waitFor(async () => {
      await box.monitor(args);
      return box.trainFiles().length === 0;
    }, 30000, 300);
    expect(hook.requests.filter((q) => (q.json as { marker: { run_id: string } }).marker.run_id === 'half2')).toHaveLength(2);
  });

  (CAN_MOUNT ? test : test.skip)('issue 13 case 2: a long-running monitor retries a claim it stranded itself on a full disk', async () => {
    writeHookConfig('monitor:\n  retry_base: 1\n');
    const disk = mountSmallDisk(join(box.root, 'disk'), 256);
    try {
      const dir = join(box.root, 'disk', 'work');
      box.writeMarker('full1', {}, dir);
      hook.respond((_, i) => (i === 0 ? { status: 500 } : { status: 200, body: {} }));
      const m = box.startMonitor(['--interval', '1', '--work-dir', dir, '--config', box.configPath], { HPC_RUN_TEST_PAUSE_AT: 'send' });
      const stderr = liveStderr(m.child);
      await waitForPause(stderr, 'send');
      disk.fill();
      m.child.kill('SIGCONT');
      await waitFor(() => /ENOSPC/.test(stderr()));
      disk.free();
      await waitFor(() => hook.requests.length === 2 && box.trainFiles(dir).length === 0, 30000, 200);
      m.child.kill('SIGTERM');
      await m.done;
      expect(hook.requests.map((q) => (q.json as { marker: { run_id: string } }).marker.run_id)).toEqual(['full1', 'full1']);
    } finally {
      disk.unmount();
    }
  });
});
