import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { Writable } from 'node:stream';
import { writeFileSync } from 'node:fs';
import { createLogger } from '../../lib/common/logger.js';
import { loadConfig } from '../../lib/config/load.js';
import type { Config } from '../../lib/config/types.js';
import { createDeliveryContext } from '../../lib/delivery/context.js';
import { deliverMarkerFile } from '../../lib/delivery/deliver-one.js';
import { useReceiver } from '../helpers/http-receiver.js';
import { BIN, runBin } from '../helpers/run-bin.js';
import { localRun, makeMarker } from '../helpers/marker.js';
import { makeMonitorSandbox, type MonitorSandbox } from '../monitor/sandbox.js';

let box: MonitorSandbox;
const hook = useReceiver(() => ({ status: 200, body: {} }));
beforeEach(() => {
  box = makeMonitorSandbox();
  box.writeConfig(`notification:\n  channels:\n    - {type: webhook, url: "${hook.url}/hook"}\nmonitor:\n  retry_base: 1\n`);
});
afterEach(() => box.cleanup());

const once = () => box.monitor(['--once', '--work-dir', box.workDir, '--config', box.configPath]);

describe('poison and oversized markers', () => {
  test('issue 13 case 7: a wrong-typed field is taken in its right type and delivered once, not retried forever', async () => {
    box.writeMarker('typed1', { gpus: [{ index: 'a', name: 5 }] as never });
    const first = await once();
    expect(first.code).toBe(0);
    expect(hook.requests).toHaveLength(1);
    expect(box.trainFiles()).toEqual([]);
    const gpus = (hook.requests[0].json as { marker: { gpus: Array<{ index: number; name: string }> } }).marker.gpus;
    expect(gpus).toEqual([expect.objectContaining({ index: 0, name: '5' })]);
  });

  test('a marker whose report cannot be built is set aside once as .bad, never retried', async () => {
    const loaded = await loadConfig({ configPath: box.configPath, env: box.env, cwd: box.root });
    const broken = { ...loaded, report: null } as unknown as Config;
    const lines: string[] = [];
    const sink = new Writable({ write: (c: Buffer, _e, done) => (lines.push(c.toString()), done()) });
    const ctx = createDeliveryContext({
      config: broken,
      logger: createLogger({ prefix: 't', stdout: sink, stderr: sink }),
      env: box.env,
      redact: (s) => s,
    });
    const markerPath = box.writeMarker('poison1');
    const outcome = await deliverMarkerFile(markerPath, box.workDir, ctx);
    expect(outcome.delivered).toBe(false);
    expect(outcome.setAside).toBe(`${markerPath}.bad`);
    expect(box.trainFiles()).toEqual(['.train_complete.poison1.json.bad']);
    expect(lines.join('')).toMatch(/cannot build the report .*moved to \.train_complete\.poison1\.json\.bad/);
    expect(hook.requests).toHaveLength(0);
  });

  test('a marker whose report cannot be built is reported once through the channels, by name, and never retried', async () => {
    box.writeMarker('poison2', { status: 'failed', exit_code: 3 });
    const failing = { HPC_RUN_TEST_FAIL_AT: 'build-report' };
    const first = await box.monitor(['--once', '--work-dir', box.workDir, '--config', box.configPath], failing);
    expect(first.code).toBe(1);
    expect(first.stderr).toMatch(/cannot build the report of run poison2 .*moved to \.train_complete\.poison2\.json\.bad/);
    expect(box.trainFiles()).toEqual(['.train_complete.poison2.json.bad']);
    expect(hook.requests).toHaveLength(1);
    const warning = hook.requests[0].json as { title: string; content: string; severity: string };
    expect(warning.title).toMatch(/report could not be built/);
    expect(warning.content).toContain('.train_complete.poison2.json.bad');
    expect(warning.content).toContain('poison2');
    expect(warning.content).toContain('test failure at build-report');
    // Later passes neither retry the marker nor repeat the warning.
    for (const env of [failing, {}]) {
      expect((await box.monitor(['--once', '--work-dir', box.workDir, '--config', box.configPath], env)).code).toBe(0);
    }
    expect(hook.requests).toHaveLength(1);
  });

  test('with train-wrapper --notify, the warning about a poison marker goes out from the next monitor pass', async () => {
    const env = { ...box.env, HPC_RUN_TEST_FAIL_AT: 'build-report' };
    const args = ['--work-dir', box.workDir, '--run-id', 'poison3', '--notify', '--config', box.configPath, '--quiet', '--', 'false'];
    const wrapped = await runBin(BIN.wrapper, args, { env, cwd: box.root });
    expect(wrapped.code).toBe(1); // the command's own status, whatever became of the report
    expect(wrapped.stderr).toMatch(/cannot build the report of run poison3/);
    expect(box.trainFiles()).toEqual(['.train_complete.poison3.json.bad']);
    expect(hook.requests).toHaveLength(0);
    expect((await once()).code).toBe(0);
    expect(hook.requests).toHaveLength(1);
    expect((hook.requests[0].json as { title: string }).title).toMatch(/report could not be built/);
    expect((await once()).code).toBe(0);
    expect(hook.requests).toHaveLength(1);
  });

  test('issue 13 case 10: fields are cut with a note and the body stays small; a marker over 1 MB is set aside', async () => {
    const command = `python ${'x'.repeat(600_000)}`;
    box.writeMarker('big1', { command, extra_blob: 'y'.repeat(300_000) } as never);
    const result = await once();
    expect(result.code).toBe(0);
    expect(hook.requests).toHaveLength(1);
    expect(hook.requests[0].body.length).toBeLessThan(64 * 1024);
    const sent = (hook.requests[0].json as { marker: { command: string; extra_blob: string } }).marker;
    expect(sent.command).toMatch(/\[cut: 600007 characters\]$/);
    expect(sent.extra_blob).toMatch(/^\[dropped/);

    writeFileSync(
      `${box.workDir}/.train_complete.huge1.json`,
      JSON.stringify(makeMarker({ ...localRun(box.workDir, 'huge1'), command: 'z'.repeat(2_000_000) })),
    );
    const huge = await once();
    expect(huge.code).toBe(1);
    expect(huge.stderr).toMatch(/larger than 1 MB/);
    expect(box.trainFiles()).toEqual(['.train_complete.huge1.json.bad']);
    // The oversized marker's content is never sent; one small warning names the file instead.
    expect(hook.requests).toHaveLength(2);
    expect(hook.requests[1].body.length).toBeLessThan(8 * 1024);
    expect((hook.requests[1].json as { title: string }).title).toMatch(/unreadable marker/);
    expect(hook.requests[1].body).toContain('.train_complete.huge1.json.bad');
  });
});
