import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, runBin } from '../helpers/run-bin.js';
import { makeMonitorSandbox, type MonitorSandbox } from './sandbox.js';

let box: MonitorSandbox;
beforeEach(() => {
  box = makeMonitorSandbox();
});
afterEach(() => box.cleanup());


describe('a reused --run-id', () => {
  test('issue 13 case 3: a second run never overwrites the first undelivered marker; both are reported, no spool entry left', async () => {
    const wrap = (command: string) =>
      runBin(BIN.wrapper, ['--work-dir', box.workDir, '--run-id', 'bert', '--command', command], { env: box.env });
    expect((await wrap('echo first; exit 3')).code).toBe(3);
    const second = await wrap('echo second');
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(
      new RegExp(
        "undelivered marker of an earlier run is still at .*\\.train_complete\\.bert\\.json; " +
          "this run's marker is .*\\.train_complete\\.bert\\.2\\.json",
      ),
    );
    expect(box.trainFiles()).toEqual(['.train_complete.bert.2.json', '.train_complete.bert.json']);
    const once = await box.monitor(['--once']);
    expect(once.code).toBe(0);
    const text = box.notifications();
    expect((text.match(/^=====/gm) ?? []).length).toBe(2);
    expect(text).toMatch(/failed/);
    expect(text).toMatch(/success/);
    expect(box.trainFiles()).toEqual([]);
    const spool = join(box.stateDir, 'spool');
    expect(existsSync(spool) ? readdirSync(spool).filter((n) => n.endsWith('.json')) : []).toEqual([]);
  });
});
