import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SpoolEntry } from '../../lib/common/marker.js';
import { useReceiver } from '../helpers/http-receiver.js';
import { localRun, makeMarker } from '../helpers/marker.js';
import { makeMonitorSandbox, type MonitorSandbox } from './sandbox.js';

let box: MonitorSandbox;
const hook = useReceiver(() => ({ status: 200, body: {} }));
beforeEach(() => {
  box = makeMonitorSandbox();
  box.writeConfig(`notification:\n  channels:\n    - {type: webhook, url: "${hook.url}/hook"}\n`);
});
afterEach(() => box.cleanup());

const spool = () => join(box.stateDir, 'spool');
// A spool entry as the wrapper registers a run.
function writeEntry(key: string, workDir: string, runId: string, startedAt = new Date().toISOString()): string {
  mkdirSync(spool(), { recursive: true });
  const entry: SpoolEntry = {
    schema: 1, run_id: runId, work_dir: workDir,
    marker_file: `.train_complete.${runId}.json`, heartbeat_file: `.train_running.${runId}.json`, log_file: `logs/x.log`,
    host: 'gpu1', pid: 1, started_at: startedAt, slurm_job_id: null,
  };
  const path = join(spool(), `${key}.json`);
  writeFileSync(path, JSON.stringify(entry));
  return path;
}
const payloads = () => hook.requests.map((q) => q.json as { title: string; content: string; marker: { run_id: string } });

describe('the spool (no --work-dir, no watch list)', () => {
  test('follows registered runs, delivers their markers and markers left in the spool, then removes the entries', async () => {
    const other = join(box.root, 'work2');
    mkdirSync(other);
    const e1 = writeEntry('gpu1.1.1', box.workDir, 'a1');
    const e2 = writeEntry('gpu1.2.2', other, 'b1');
    box.writeMarker('a1');
    box.writeMarker('b1', {}, other);
    writeFileSync(join(spool(), '.train_complete.gpu1.3.3.json'), JSON.stringify(makeMarker(localRun(other, 'c1'))));
    const result = await box.monitor(['--once', '--config', box.configPath]);
    expect(result.stderr).not.toMatch(/error/);
    expect(result.code).toBe(0);
    expect(payloads().map((p) => p.marker.run_id).sort()).toEqual(['a1', 'b1', 'c1']);
    expect(existsSync(e1)).toBe(false);
    expect(existsSync(e2)).toBe(false);
    expect(readdirSync(spool())).toEqual([]);
  });

  test('an entry whose work dir is gone is dropped with a warning; a running one stays', async () => {
    const gone = writeEntry('gpu1.5.5', join(box.root, 'deleted'), 'g1');
    const running = writeEntry('gpu1.6.6', box.workDir, 'r1');
    box.writeHeartbeat('r1', 1);
    const result = await box.monitor(['--once', '--config', box.configPath]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/work dir .*deleted is gone/);
    expect(existsSync(gone)).toBe(false);
    expect(existsSync(running)).toBe(true);
  });
});

describe('array job digests', () => {
  const arrayTask = (array: string, task: number, status: 'success' | 'failed') => ({
    status,
    exit_code: status === 'success' ? 0 : 1,
    slurm: {
      job_id: `${array}${task}`, array_job_id: array, array_task_id: String(task), job_name: 'sweep',
      partition: 'gpu', nodelist: 'n1', restart_count: 0,
    },
  });

  test('min_batch tasks of one array job found in one pass go out as one digest; fewer as one report each', async () => {
    for (let t = 0; t < 6; t += 1) box.writeMarker(`500_${t}`, arrayTask('500', t, t === 2 ? 'failed' : 'success'));
    for (let t = 0; t < 2; t += 1) box.writeMarker(`600_${t}`, arrayTask('600', t, 'success'));
    const result = await box.monitor(['--once', '--work-dir', box.workDir, '--config', box.configPath]);
    expect(result.code).toBe(0);
    expect(hook.requests).toHaveLength(3);
    const digests = payloads().filter((p) => !p.marker.run_id.startsWith('600_'));
    expect(digests).toHaveLength(1);
    expect(digests[0].title).toContain('5/6');
    expect(digests[0].content).toMatch(/500_2|\b2\b/);
    expect(payloads().filter((p) => p.marker?.run_id?.startsWith('600_'))).toHaveLength(2);
    expect(box.trainFiles()).toEqual([]);
  });
});
