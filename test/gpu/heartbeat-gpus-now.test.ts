import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Heartbeat } from '../../lib/common/marker.js';
import { waitFor } from '../helpers/run-bin.js';
import { FAKE_BIN, makeSandbox, statusOf, type Sandbox } from '../wrapper/setup.js';

// The wrapper's heartbeat carries the latest nvidia-smi sample as `gpus_now`, [N/A] (MIG) readings as null.
describe('heartbeat gpus_now from the fake nvidia-smi', () => {
  let box: Sandbox;
  beforeEach(() => {
    box = makeSandbox();
  });
  afterEach(() => box.cleanup());

  const readBeat = (runId: string) => {
    const path = join(box.workDir, `.train_running.${runId}.json`);
    try {
      return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Heartbeat) : null;
    } catch {
      return null;
    }
  };

  test('each beat shows the latest sample; [N/A] and [Not Supported] become null; the heartbeat has the run fields', async () => {
    const readings = join(box.root, 'readings.csv');
    writeFileSync(readings, '0, NVIDIA H100 80GB HBM3, 81559, 70211, 93\n1, NVIDIA H100 80GB HBM3, 81559, 1024, 0\n');
    const env = { PATH: `${FAKE_BIN}:${process.env.PATH}`, FAKE_NVIDIA_SMI_FILE: readings };
    const run = box.start(['--work-dir', box.workDir, '--quiet', '--run-id', 'g', '--heartbeat-interval', '0.2', '--stall-after', '45m',
      '--command', 'echo ready; exec sleep 60'], env);
    const first = await waitFor(() => (readBeat('g')?.gpus_now?.length ? readBeat('g') : null));
    expect(first!.gpus_now).toEqual([
      { index: 0, utilization_pct: 93, memory_used_mib: 70211, memory_total_mib: 81559 },
      { index: 1, utilization_pct: 0, memory_used_mib: 1024, memory_total_mib: 81559 },
    ]);
    expect(first).toMatchObject({ attempt: 1, max_attempts: 1, stall_after_s: 2700 });

    // A MIG-partitioned GPU reports no utilisation; another no memory figures at all.
    writeFileSync(
      readings,
      '0, NVIDIA A100-SXM4-40GB, 40960, 13, [N/A]\n1, NVIDIA A100-SXM4-40GB, [N/A], [Not Supported], [Not Supported]\n',
    );
    const mig = await waitFor(() => (readBeat('g')?.gpus_now?.[0]?.utilization_pct === null ? readBeat('g') : null));
    expect(mig!.gpus_now).toEqual([
      { index: 0, utilization_pct: null, memory_used_mib: 13, memory_total_mib: 40960 },
      { index: 1, utilization_pct: null, memory_used_mib: null, memory_total_mib: null },
    ]);
    expect(mig!.gpus).toEqual([]); // the earlier field keeps only complete readings
    await waitFor(() => run.output().includes('ready'));
    expect(mig!.log_bytes).toBeGreaterThanOrEqual(0);
    run.child.kill('SIGTERM');
    expect(statusOf(await run.done)).toBe(143);
  });

  test('where nvidia-smi fails (driver gone): gpus_now is [] and stall_after_s null (the monitor decides)', async () => {
    const run = box.start(
      ['--work-dir', box.workDir, '--quiet', '--run-id', 'n', '--heartbeat-interval', '0.2', '--command', 'echo ready; exec sleep 60'],
      { PATH: `${FAKE_BIN}:${process.env.PATH}`, FAKE_NVIDIA_SMI_FAIL: '1' },
    );
    await waitFor(() => run.output().includes('ready'));
    const beat = await waitFor(() => ((readBeat('n')?.seq ?? 0) >= 2 ? readBeat('n') : null));
    expect(beat).toMatchObject({ gpus_now: [], stall_after_s: null, attempt: 1, max_attempts: 1, log_bytes: 6 });
    expect(beat!.last_output_at).not.toBeNull();
    expect(beat).not.toHaveProperty('gpus');
    run.child.kill('SIGTERM');
    await run.done;
  });
});
