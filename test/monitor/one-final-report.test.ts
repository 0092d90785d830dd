import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CAN_MOUNT, liveStderr, mountSmallDisk } from '../helpers/processes.js';
import { BIN, startBin, waitFor } from '../helpers/run-bin.js';
import { makeMonitorSandbox, type MonitorSandbox } from './sandbox.js';

let box: MonitorSandbox;
beforeEach(() => {
  box = makeMonitorSandbox();
});
afterEach(() => box.cleanup());

const reports = () => (box.notifications().match(/^=====/gm) ?? []).length;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('at most one final report per run', () => {
  test('a lost verdict delivered first suppresses the real marker that arrives later', async () => {
    box.writeHeartbeat('sup1', 5);
    await waitFor(async () => {
      await box.monitor(['--once', '--work-dir', box.workDir, '--stale-after', '1']);
      return reports() === 1;
    }, 30000, 300);
    expect(box.notifications()).toMatch(/lost/i);
    // The run's own marker after all: same host, pid, start, command and run id as its heartbeat.
    box.writeMarker('sup1', { pid: 999999, host: 'gpu042', started_at: '2024-05-02T11:00:00+08:00', command: 'python train.py' });
    const after = await box.monitor(['--once', '--work-dir', box.workDir]);
    expect(after.code).toBe(0);
    expect(after.stderr).toMatch(/one final report per run/);
    expect(reports()).toBe(1);
    expect(box.trainFiles()).toEqual([]);
  });

  const withMount = CAN_MOUNT ? test : test.skip;
  withMount('issue 13 case 4: a live run whose heartbeat cannot be written is not lost; one report, the real one', async () => {
    const disk = mountSmallDisk(join(box.root, 'disk'), 512);
    try {
      const dir = join(box.root, 'disk', 'work');
      mkdirSync(dir);
      const wrapper = startBin(
        BIN.wrapper,
        ['--work-dir', dir, '--run-id', 'hb1', '--heartbeat-interval', '1', '--command', 'sleep 15'],
        { env: box.env },
      );
      const stderr = liveStderr(wrapper.child);
      await waitFor(() => existsSync(join(dir, '.train_running.hb1.json')));
      disk.fill();
      await waitFor(() => /cannot write the heartbeat/.test(stderr()));
      // A long-running monitor watches through the silence, delivers the real report, and stops; then a --once.
      const watcher = box.startMonitor(['--interval', '1', '--work-dir', dir, '--stale-after', '1']);
      await sleep(4000);
      disk.free();
      expect(wrapper.child.exitCode).toBeNull(); // still running when the disk has room again
      expect((await wrapper.done).code).toBe(0);
      await waitFor(() => reports() === 1 && box.trainFiles(dir).length === 0, 30000, 200);
      watcher.child.kill('SIGTERM');
      await watcher.done;
      for (let i = 0; i < 2; i += 1) await box.monitor(['--once', '--work-dir', dir, '--stale-after', '1']);
      expect(reports()).toBe(1);
      expect(box.notifications()).not.toMatch(/\blost\b/i);
      expect(box.trainFiles(dir)).toEqual([]);
    } finally {
      disk.unmount();
    }
  });
});
