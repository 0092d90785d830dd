import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { join } from 'node:path';
import { CAN_MOUNT, liveStderr, mountSmallDisk } from '../helpers/processes.js';
import { waitFor } from '../helpers/run-bin.js';
import { makeMonitorSandbox, type MonitorSandbox } from './sandbox.js';

let box: MonitorSandbox;
beforeEach(() => {
  box = makeMonitorSandbox();
});
afterEach(() => box.cleanup());

describe('the long-running monitor lock', () => {
  test('issue 13 case 6: after a SIGKILL, a new monitor on this host starts at once (its holder is dead)', async () => {
    const first = box.startMonitor(['--interval', '60', '--work-dir', box.workDir]);
    const stderr1 = liveStderr(first.child);
    await waitFor(() => stderr1().includes('watching'));
    first.child.kill('SIGKILL');
    await first.done;
    const second = box.startMonitor(['--interval', '60', '--work-dir', box.workDir]);
    const stderr2 = liveStderr(second.child);
    const ended = second.done.then(() => 'ended');
    await Promise.race([waitFor(() => stderr2().includes('watching')), ended]);
    expect(stderr2()).not.toMatch(/already watching/);
    second.child.kill('SIGTERM');
    expect((await second.done).code).toBe(0);
  });

  const withMount = CAN_MOUNT ? test : test.skip;
  withMount('issue 13 case 9: a state dir on a full disk is one clear line and exit 2, not an internal error', async () => {
    const stateDir = join(box.root, 'fullstate');
    const disk = mountSmallDisk(stateDir, 64);
    try {
      disk.fill();
      const result = await box.monitor(['--interval', '60', '--work-dir', box.workDir], { HPC_RUN_STATE_DIR: stateDir });
      expect(result.code).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(/cannot write the state dir .*disk is full/);
      expect(result.stderr).not.toMatch(/internal error|\n\s+at /);
    } finally {
      disk.unmount();
    }
  });
});
