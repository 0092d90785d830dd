import { existsSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeMonitorSandbox, type MonitorSandbox } from '../monitor/sandbox.js';

// A monitor killed between writing a marker's delivery state to its private temp and renaming it into place leaves
// `<marker>.state-<pid>-<hex>`: nobody reads it, and a later pass removes it once it is an hour old.
let box: MonitorSandbox;
beforeEach(() => {
  box = makeMonitorSandbox();
  box.writeConfig('notification:\n  type: console\n');
});
afterEach(() => box.cleanup());

test('a pass removes state temps older than an hour, leaves younger ones, and delivers as usual', async () => {
  const markerPath = box.writeMarker('t1');
  const old = `${markerPath}.state-4242-0a1b2c3d`;
  const young = join(box.workDir, '.train_complete.t2.json.state-4343-deadbeef');
  const unrelated = join(box.workDir, '.train_complete.t3.json.state-notes'); // not the temp pattern: left alone
  for (const path of [old, young, unrelated]) writeFileSync(path, '{"half": ');
  const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
  for (const path of [old, unrelated]) utimesSync(path, twoHoursAgo, twoHoursAgo);

  const result = await box.monitor(['--once', '--work-dir', box.workDir, '--config', box.configPath]);
  expect(result.code).toBe(0);
  expect(result.stderr).toContain('removed 1 temp file(s) a killed monitor left behind');
  expect(existsSync(old)).toBe(false);
  expect(existsSync(young)).toBe(true);
  expect(existsSync(unrelated)).toBe(true);
  expect(box.notifications()).toContain('t1');
  expect(box.trainFiles()).toEqual(['.train_complete.t2.json.state-4343-deadbeef', '.train_complete.t3.json.state-notes']);
});
