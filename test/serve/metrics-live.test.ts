import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { closedPort, startReceiver, type Receiver } from '../helpers/http-receiver.js';
import { BIN, isolatedEnv, makeTempDir, runBin, startBin, waitFor } from '../helpers/run-bin.js';

const hasPromtool = !spawnSync('promtool', ['--version']).error;

// A long-running monitor with --serve, scraped while it delivers to one channel that works and one that fails.
describe('train-monitor --interval --serve: /metrics during real deliveries', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let receiver: Receiver;
  beforeEach(async () => {
    tmp = makeTempDir('hpc-run-metrics-');
    receiver = await startReceiver();
  });
  afterEach(async () => {
    await receiver.close();
    tmp.cleanup();
  });

  test('counts deliveries by channel and result, retries, passes and runs by state; promtool accepts it', async () => {
    const work = join(tmp.dir, 'work');
    mkdirSync(work);
    const env = isolatedEnv(join(tmp.dir, 'state'), { HOME: tmp.dir });
    const config = join(tmp.dir, 'config.yaml');
    writeFileSync(config, [
      'notification:',
      '  channels:',
      `    - {type: webhook, name: good, url: "${receiver.url}/hook"}`,
      `    - {type: webhook, name: bad, url: "http://127.0.0.1:${await closedPort()}/hook", timeout: 2}`,
      'monitor:',
      '  retry_base: 1',
      '  retry_max: 1',
      '',
    ].join('\n'));
    for (const id of ['a', 'b'])
      expect((await runBin(BIN.wrapper, ['--work-dir', work, '--run-id', id, '--quiet', '--', 'true'], { env })).code).toBe(0);

    const monitor = startBin(BIN.monitor, ['--interval', '1', '--serve', '0', '--work-dir', work, '--config', config], { env });
    let stderr = '';
    monitor.child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      const url = await waitFor(() => /status page at (http:\/\/\S+)\//.exec(stderr)?.[1]);
      const value = (text: string, series: string) =>
        Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
      const text = await waitFor(async () => {
        const body = await (await fetch(`${url}/metrics`)).text();
        // The runs gauge comes from the status snapshot, refreshed in the background (up to a second behind the counters).
        const done = value(body, 'hpc_run_delivery_retries_total{channel="bad"}') >= 2
          && value(body, 'hpc_run_deliveries_total{channel="good",result="ok"}') >= 2
          && value(body, 'hpc_run_runs{state="delivery_failing"}') === 2;
        return done ? body : '';
      }, 60000, 300);
      expect(value(text, 'hpc_run_deliveries_total{channel="good",result="ok"}')).toBe(2); // never sent again
      expect(value(text, 'hpc_run_deliveries_total{channel="bad",result="failed"}')).toBeGreaterThanOrEqual(4);
      expect(value(text, 'hpc_run_runs{state="delivery_failing"}')).toBe(2);
      expect(value(text, 'hpc_run_passes_total')).toBeGreaterThanOrEqual(2);
      expect(Date.now() / 1000 - value(text, 'hpc_run_last_pass_timestamp_seconds')).toBeLessThan(60);
      expect(receiver.requests.filter((r) => r.url === '/hook')).toHaveLength(2);
      if (hasPromtool || process.env.CI === 'true') {
        const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
        expect(check.stdout + check.stderr).toBe('');
        expect(check.status).toBe(0);
      }
    } finally {
      monitor.child.kill('SIGTERM');
      await monitor.done;
    }
  });
});
