import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../helpers/run-bin.js';
import { FAKE_BIN, FIXTURES, makeSandbox, statusOf, type Sandbox } from './setup.js';

const MARKER_KEYS = [
  'timestamp', 'status', 'exit_code', 'log_file', 'schema', 'signal', 'run_id', 'command', 'work_dir', 'host', 'user',
  'pid', 'started_at', 'ended_at', 'duration_s', 'slurm', 'gpus', 'wrapper_version',
];
const ISO_LOCAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/;

// The files a run leaves: marker (fields and order), heartbeat while running, spool entry, fallbacks.
describe('train-wrapper files', () => {
  let box: Sandbox;
  beforeEach(() => {
    box = makeSandbox();
  });
  afterEach(() => box.cleanup());

  test('the marker has the seed fields first, then ours, in order', async () => {
    const result = await box.run(['--work-dir', box.workDir, '--quiet', '--', 'sh', '-c', 'echo "loss=0.1"']);
    expect(statusOf(result)).toBe(0);
    const { name, data } = box.marker();
    expect(name).toBe('.train_complete.json');
    expect(Object.keys(data)).toEqual(MARKER_KEYS);
    expect(data).toMatchObject({
      status: 'success',
      exit_code: 0,
      schema: 1,
      signal: null,
      run_id: null,
      command: "sh -c 'echo \"loss=0.1\"'",
      work_dir: box.workDir,
      host: hostname(),
      slurm: null,
      gpus: [],
      wrapper_version: expect.stringMatching(/^\d+\.\d+\.\d+/),
    });
    expect(data.timestamp).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(data.log_file).toMatch(/^logs\/train_\d{8}_\d{6}\.log$/);
    expect(readFileSync(join(box.workDir, data.log_file as string), 'utf8')).toBe('loss=0.1\n');
    expect(data.started_at).toMatch(ISO_LOCAL);
    expect(data.ended_at).toMatch(ISO_LOCAL);
    expect(typeof data.duration_s).toBe('number');
    expect(typeof data.pid).toBe('number');
    expect(existsSync(join(box.workDir, '.train_running.json'))).toBe(false);
  });

  test('Slurm array task: run id, names and the slurm block', async () => {
    const env = {
      SLURM_JOB_ID: '1007', SLURM_ARRAY_JOB_ID: '1000', SLURM_ARRAY_TASK_ID: '7', SLURM_JOB_NAME: 'bert',
      SLURM_JOB_PARTITION: 'gpu', SLURM_JOB_NODELIST: 'gpu042', SLURM_RESTART_COUNT: '0',
    };
    expect(statusOf(await box.run(['--work-dir', box.workDir, '--quiet', '--command', 'true'], env))).toBe(0);
    const { name, data } = box.marker();
    expect(name).toBe('.train_complete.1000_7.json');
    expect(data.run_id).toBe('1000_7');
    expect(data.log_file).toMatch(/^logs\/train_\d{8}_\d{6}_1000_7\.log$/);
    expect(data.slurm).toEqual({
      job_id: '1007', array_job_id: '1000', array_task_id: '7', job_name: 'bert', partition: 'gpu', nodelist: 'gpu042', restart_count: 0,
    });
  });

  test('heartbeat while running (seq increments, output counted), removed after the marker', async () => {
    const hb = join(box.workDir, '.train_running.hb.json');
    const run = box.start([
      '--work-dir', box.workDir, '--quiet', '--run-id', 'hb', '--heartbeat-interval', '0.05',
      '--command', 'echo hello; echo ready; sleep 30',
    ]);
    await waitFor(() => run.output().includes('ready'));
    const first = await waitFor(() => (existsSync(hb) ? JSON.parse(readFileSync(hb, 'utf8')) : null));
    const later = await waitFor(() => {
      const now = JSON.parse(readFileSync(hb, 'utf8'));
      return now.seq > first.seq && now.log_bytes === 12 ? now : null;
    });
    expect(later).toMatchObject({
      schema: 1,
      run_id: 'hb',
      host: hostname(),
      command: 'echo hello; echo ready; sleep 30',
      work_dir: box.workDir,
    });
    expect(later.last_output_at).toMatch(ISO_LOCAL);
    expect(later.updated_at).toMatch(ISO_LOCAL);
    expect(later.log_file).toMatch(/^logs\/train_.*_hb\.log$/);
    run.child.kill('SIGTERM');
    await run.done;
    expect(existsSync(hb)).toBe(false);
    expect(existsSync(join(box.workDir, '.train_complete.hb.json'))).toBe(true);
  });

  test('a reader polling the heartbeat and the marker thousands of times never sees a partial file', async () => {
    const hb = join(box.workDir, '.train_running.poll.json');
    const mk = join(box.workDir, '.train_complete.poll.json');
    const run = box.start([
      '--work-dir', box.workDir, '--quiet', '--run-id', 'poll', '--heartbeat-interval', '0.05',
      '--command', 'i=0; while [ $i -lt 40 ]; do echo "step $i"; i=$((i+1)); sleep 0.05; done',
    ]);
    let exited = false;
    void run.done.then(() => (exited = true));
    let reads = 0;
    let parsed = 0;
    let sawMarker = false;
    while (!exited || reads < 2000) {
      for (let i = 0; i < 20; i += 1) {
        for (const path of [hb, mk]) {
          let text: string;
          try {
            text = readFileSync(path, 'utf8');
          } catch {
            continue; // not there (yet, or any more): fine
          }
          reads += 1;
          const data = JSON.parse(text); // throws on a partial file
          expect(typeof data).toBe('object');
          parsed += 1;
          if (path === mk) sawMarker = true;
        }
      }
      await new Promise((r) => setImmediate(r));
      if (exited && reads >= 2000) break;
      if (exited && !existsSync(hb) && !existsSync(mk)) break;
    }
    expect(statusOf(await run.done)).toBe(0);
    expect(parsed).toBe(reads);
    expect(reads).toBeGreaterThanOrEqual(1000);
    expect(sawMarker || existsSync(mk)).toBe(true);
    expect(JSON.parse(readFileSync(mk, 'utf8')).status).toBe('success');
  });

  test('the run is registered in the spool', async () => {
    expect(statusOf(await box.run(['--work-dir', box.workDir, '--quiet', '--run-id', 'sp', '--command', 'true']))).toBe(0);
    const entries = box.spool();
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatch(new RegExp(`^${hostname().replace(/\./g, '\\.')}\\.\\d+\\.\\d+\\.json$`));
    const entry = JSON.parse(readFileSync(join(box.stateDir, 'spool', entries[0]), 'utf8'));
    expect(entry).toMatchObject({
      schema: 1, run_id: 'sp', work_dir: box.workDir, marker_file: '.train_complete.sp.json',
      heartbeat_file: '.train_running.sp.json', host: hostname(), slurm_job_id: null,
    });
    expect(entry.log_file).toMatch(/^logs\/train_.*_sp\.log$/);
  });

  test('an undelivered plain marker of an earlier run is never overwritten', async () => {
    const previous = join(box.workDir, '.train_complete.json');
    writeFileSync(previous, '{"timestamp":"2024-01-01 00:00:00","status":"success","exit_code":0,"log_file":null}\n');
    const before = readFileSync(previous, 'utf8');
    expect(statusOf(await box.run(['--work-dir', box.workDir, '--quiet', '--command', 'exit 1']))).toBe(1);
    expect(readFileSync(previous, 'utf8')).toBe(before);
    const names = readdirSync(box.workDir).filter((n) => n.startsWith('.train_complete.') && n !== '.train_complete.json');
    expect(names).toHaveLength(1);
    const marker = JSON.parse(readFileSync(join(box.workDir, names[0]), 'utf8'));
    expect(names[0]).toBe(`.train_complete.${marker.run_id}.json`);
    expect(marker.run_id).toMatch(/^\d{8}_\d{6}_\d+$/);
    expect(marker.status).toBe('failed');
    const entry = JSON.parse(readFileSync(join(box.stateDir, 'spool', box.spool()[0]), 'utf8'));
    expect(entry.marker_file).toBe(names[0]);
  });

  test('when the work dir is gone at the end, the marker goes to the spool and stderr says where', async () => {
    // Tests run as root, for whom chmod does not block writes; the fixture removes the work dir instead, a real
    // failure (ENOENT) the wrapper cannot fix by retrying.
    const result = await box.run(['--work-dir', box.workDir, '--quiet', '--', join(FIXTURES, 'remove-work-dir.sh')]);
    expect(statusOf(result)).toBe(3);
    expect(existsSync(box.workDir)).toBe(false);
    const spooled = box.spool().filter((n) => n.startsWith('.train_complete.'));
    expect(spooled).toHaveLength(1);
    const path = join(box.stateDir, 'spool', spooled[0]);
    expect(result.stderr).toContain(`wrote it to ${path} instead`);
    const marker = JSON.parse(readFileSync(path, 'utf8'));
    expect(marker).toMatchObject({ status: 'failed', exit_code: 3, work_dir: box.workDir });
    const entryName = box.spool().find((n) => !n.startsWith('.'))!;
    expect(JSON.parse(readFileSync(join(box.stateDir, 'spool', entryName), 'utf8')).marker_file).toBe(path);
  });

  test('GPUs from nvidia-smi: recorded at start, sampled each heartbeat, summarised in the marker', async () => {
    const env = { PATH: `${FAKE_BIN}:${process.env.PATH}` };
    const hb = join(box.workDir, '.train_running.gpu.json');
    const run = box.start(
      ['--work-dir', box.workDir, '--quiet', '--run-id', 'gpu', '--heartbeat-interval', '0.1', '--command', 'echo ready; sleep 30'],
      env,
    );
    const beat = await waitFor(() =>
      (existsSync(hb) ? JSON.parse(readFileSync(hb, 'utf8')) : null)?.gpus?.length ? JSON.parse(readFileSync(hb, 'utf8')) : null,
    );
    expect(beat.gpus[0]).toEqual({ index: 0, memory_used_mib: 70211, utilization_pct: 93 });
    run.child.kill('SIGTERM');
    await run.done;
    expect(box.marker().data.gpus).toEqual([
      { index: 0, name: 'NVIDIA H100 80GB HBM3', memory_total_mib: 81559, peak_memory_used_mib: 70211, mean_utilization_pct: 93 },
      { index: 1, name: 'NVIDIA H100 80GB HBM3', memory_total_mib: 81559, peak_memory_used_mib: 1024, mean_utilization_pct: 0 },
    ]);
  });
});
