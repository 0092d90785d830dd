import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { createLogger } from '../../lib/common/logger.js';
import { loadConfig } from '../../lib/config/load.js';
import { createRedactor } from '../../lib/config/redact.js';
import type { Config } from '../../lib/config/types.js';
import { createDeliveryContext } from '../../lib/delivery/context.js';
import { deliverMarkerFile } from '../../lib/delivery/deliver-one.js';
import { useReceiver } from '../helpers/http-receiver.js';
import { makeMonitorSandbox, type MonitorSandbox } from '../monitor/sandbox.js';

let box: MonitorSandbox;
const hook = useReceiver();
beforeEach(() => {
  box = makeMonitorSandbox();
});
afterEach(() => box.cleanup());

// Collects what the logger prints instead of writing to the test's terminal.
function quietLogger() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger({ prefix: 'test', stdout: sink, stderr: sink }), lines };
}

// A delivery context alone, as train-wrapper --notify builds it: no monitor context.
function deliveryContext(config: Config) {
  return createDeliveryContext({ config, logger: quietLogger().logger, env: box.env, redact: createRedactor(config.secrets) });
}

describe('deliverMarkerFile (train-wrapper --notify)', () => {
  test('delivers and deletes the marker when every channel confirms', async () => {
    hook.respond(() => ({ status: 200, body: {} }));
    box.writeConfig(`notification:\n  channels:\n    - {type: webhook, url: "${hook.url}/hook"}\n`);
    const config = await loadConfig({ configPath: box.configPath, env: box.env, cwd: box.root });
    const markerPath = box.writeMarker('n1');
    const outcome = await deliverMarkerFile(markerPath, box.workDir, deliveryContext(config));
    expect(outcome).toEqual({ delivered: true, failures: [] });
    expect(existsSync(markerPath)).toBe(false);
    expect(hook.requests).toHaveLength(1);
  });

  test('keeps the marker with its delivery state for a monitor when a channel fails', async () => {
    hook.respond(() => ({ status: 503, body: {} }));
    box.writeConfig(`notification:\n  channels:\n    - {type: webhook, url: "${hook.url}/hook"}\n`);
    const config = await loadConfig({ configPath: box.configPath, env: box.env, cwd: box.root });
    const markerPath = box.writeMarker('n2');
    const outcome = await deliverMarkerFile(markerPath, box.workDir, deliveryContext(config));
    expect(outcome.delivered).toBe(false);
    expect(outcome.failures.join(' ')).toMatch(/503/);
    const kept = JSON.parse(readFileSync(markerPath, 'utf8'));
    expect(kept.delivery).toMatchObject({ delivered: [], attempts: 1 });
    expect(kept.run_id).toBe('n2');
    expect(box.trainFiles()).toEqual(['.train_complete.n2.json']);
  });
});
