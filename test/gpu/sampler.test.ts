import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createGpuSampler } from '../../lib/gpu/sampler.js';
import { ROOT, makeTempDir } from '../helpers/run-bin.js';

const FAKE_BIN = join(ROOT, 'test', 'fixtures', 'bin');

// An environment whose PATH finds the fake nvidia-smi first.
function fakeEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { PATH: `${FAKE_BIN}:${process.env.PATH ?? ''}`, ...extra };
}

describe('createGpuSampler with the fake nvidia-smi', () => {
  const tmp = makeTempDir('hpc-run-gpu-');
  afterAll(() => tmp.cleanup());

  test('records the GPUs at start, then peak memory and mean utilisation over samples', async () => {
    const file = join(tmp.dir, 'readings.csv');
    const calls = join(tmp.dir, 'calls.txt');
    writeFileSync(file, '0, NVIDIA H100 80GB HBM3, 81559, 500, 0\n1, NVIDIA H100 80GB HBM3, 81559, 400, 0\n');
    const sampler = await createGpuSampler({ env: fakeEnv({ FAKE_NVIDIA_SMI_FILE: file, FAKE_NVIDIA_SMI_CALLS: calls }) });
    expect(sampler.available).toBe(true);
    expect(sampler.problem).toBeNull();

    writeFileSync(file, '0, NVIDIA H100 80GB HBM3, 81559, 70211, 93\n1, NVIDIA H100 80GB HBM3, 81559, 30000, 40\n');
    expect(await sampler.sample()).toEqual([
      { index: 0, memory_used_mib: 70211, utilization_pct: 93 },
      { index: 1, memory_used_mib: 30000, utilization_pct: 40 },
    ]);
    writeFileSync(file, '0, NVIDIA H100 80GB HBM3, 81559, 60000, 98\n1, NVIDIA H100 80GB HBM3, 81559, 31000, 45\n');
    await sampler.sample();

    expect(sampler.summary()).toEqual([
      { index: 0, name: 'NVIDIA H100 80GB HBM3', memory_total_mib: 81559, peak_memory_used_mib: 70211, mean_utilization_pct: 96 },
      { index: 1, name: 'NVIDIA H100 80GB HBM3', memory_total_mib: 81559, peak_memory_used_mib: 31000, mean_utilization_pct: 43 },
    ]);
    expect(readFileSync(calls, 'utf8').trim().split('\n')).toHaveLength(3);
  });

  test('a run shorter than one heartbeat still reports the reading taken at start', async () => {
    const sampler = await createGpuSampler({ env: fakeEnv() });
    expect(sampler.summary()).toEqual([
      { index: 0, name: 'NVIDIA H100 80GB HBM3', memory_total_mib: 81559, peak_memory_used_mib: 70211, mean_utilization_pct: 93 },
      { index: 1, name: 'NVIDIA H100 80GB HBM3', memory_total_mib: 81559, peak_memory_used_mib: 1024, mean_utilization_pct: 0 },
    ]);
  });

  test('a failed sample is skipped and does not throw; the summary keeps the good ones', async () => {
    const file = join(tmp.dir, 'flaky.csv');
    writeFileSync(file, '0, NVIDIA H100 80GB HBM3, 81559, 100, 50\n');
    const env = fakeEnv({ FAKE_NVIDIA_SMI_FILE: file });
    const sampler = await createGpuSampler({ env });
    await sampler.sample();
    env.FAKE_NVIDIA_SMI_FAIL = '1';
    expect(await sampler.sample()).toEqual([]);
    writeFileSync(file, 'garbage\n');
    delete env.FAKE_NVIDIA_SMI_FAIL;
    expect(await sampler.sample()).toEqual([]);
    expect(sampler.summary()).toEqual([
      { index: 0, name: 'NVIDIA H100 80GB HBM3', memory_total_mib: 81559, peak_memory_used_mib: 100, mean_utilization_pct: 50 },
    ]);
  });

  test('a hung nvidia-smi is killed after timeoutMs and the sample is skipped', async () => {
    const env = fakeEnv();
    const sampler = await createGpuSampler({ env, timeoutMs: 1000 });
    env.FAKE_NVIDIA_SMI_SLEEP = '3';
    expect(await sampler.sample()).toEqual([]);
    expect(sampler.summary()).toHaveLength(2);
  });

  test('[N/A] utilisation (MIG) is left out of the mean and of the heartbeat sample', async () => {
    const file = join(tmp.dir, 'mig.csv');
    writeFileSync(file, '0, NVIDIA A100-SXM4-40GB, 40960, 13, [N/A]\n');
    const sampler = await createGpuSampler({ env: fakeEnv({ FAKE_NVIDIA_SMI_FILE: file }) });
    writeFileSync(file, '0, NVIDIA A100-SXM4-40GB, 40960, 20000, [N/A]\n');
    expect(await sampler.sample()).toEqual([]);
    expect(sampler.summary()).toEqual([
      { index: 0, name: 'NVIDIA A100-SXM4-40GB', memory_total_mib: 40960, peak_memory_used_mib: 20000, mean_utilization_pct: 0 },
    ]);
  });
});

describe('createGpuSampler without a usable nvidia-smi', () => {
  test('absent binary: unavailable, gpus []', async () => {
    const sampler = await createGpuSampler({ env: { PATH: '/nonexistent-dir' } });
    expect(sampler.available).toBe(false);
    expect(sampler.problem).toBe('nvidia-smi not found');
    expect(await sampler.sample()).toEqual([]);
    expect(sampler.summary()).toEqual([]);
  });

  test('a driver failure at start (exit 9): unavailable, with the first line of its message', async () => {
    const sampler = await createGpuSampler({ env: fakeEnv({ FAKE_NVIDIA_SMI_FAIL: '1' }) });
    expect(sampler.available).toBe(false);
    expect(sampler.problem).toMatch(/^nvidia-smi: NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver/);
    expect(sampler.summary()).toEqual([]);
  });

  test('an explicit command path that is not executable: unavailable, no throw', async () => {
    const sampler = await createGpuSampler({ command: join(ROOT, 'package.json'), env: fakeEnv() });
    expect(sampler.available).toBe(false);
    expect(sampler.summary()).toEqual([]);
  });
});
