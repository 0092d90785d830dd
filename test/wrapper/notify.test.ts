import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, runBin } from '../helpers/run-bin.js';
import { makeSandbox, statusOf, type Sandbox } from './setup.js';

// --notify (lab-server mode): the wrapper delivers its own report; a failed delivery leaves the marker for a monitor.
describe('train-wrapper --notify', () => {
  let box: Sandbox;
  beforeEach(() => {
    box = makeSandbox();
  });
  afterEach(() => box.cleanup());

  test('delivered: the marker and the spool entry are gone, the exit status is the command\'s', async () => {
    const config = join(box.root, 'config.yaml');
    writeFileSync(config, 'notification:\n  type: console\n');
    const result = await box.run([
      '--work-dir', box.workDir, '--quiet', '--config', config, '--notify', '--command', 'echo loss=0.5; exit 3',
    ]);
    expect(statusOf(result)).toBe(3);
    expect(result.stdout).toContain('loss=0.5');
    expect(result.stdout).toContain('failed');
    expect(existsSync(join(box.workDir, '.train_complete.json'))).toBe(false);
    expect(box.spool()).toEqual([]);
    expect(readFileSync(join(box.stateDir, 'notifications.log'), 'utf8')).toContain('loss=0.5');
    // The history a monitor keeps gets the same line, so `status --all` lists a run reported from the job.
    const history = readFileSync(join(box.stateDir, 'history.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(history).toEqual([
      expect.objectContaining({ kind: 'end', status: 'failed', work_dir: box.workDir, exit_code: 3, channels: ['console'] }),
    ]);
    const status = await runBin(BIN.monitor, ['status', '--all', '--json'], { env: box.env });
    expect(JSON.parse(status.stdout)).toEqual([expect.objectContaining({ work_dir: box.workDir, state: 'delivered', status: 'failed' })]);
  });

  test('not delivered: the marker stays for a monitor and stderr says so', async () => {
    const config = join(box.root, 'config.yaml');
    writeFileSync(config, 'notification:\n  channels:\n    - {type: webhook, url: "http://127.0.0.1:9/hook", timeout: 2}\n');
    const result = await box.run(['--work-dir', box.workDir, '--quiet', '--config', config, '--command', 'true'], { HPC_RUN_NOTIFY: '1' });
    expect(statusOf(result)).toBe(0);
    expect(result.stderr).toMatch(/report not delivered .*the marker stays at .*\.train_complete\.json for train-monitor/);
    expect(existsSync(join(box.workDir, '.train_complete.json'))).toBe(true);
    expect(box.spool()).toHaveLength(1);
  });
});
