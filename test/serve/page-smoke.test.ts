import { createLogger } from '../../lib/common/logger.js';
import { createMonitorMetrics } from '../../lib/serve/metrics.js';
import { startStatusServer, type RunRow } from '../../lib/serve/server.js';
import { hasChromium, launchChromium } from '../helpers/browser.js';

const maybe = hasChromium || process.env.CI === 'true' ? test : test.skip;

maybe('smoke: chromium renders the table from server-sent events', async () => {
  const rows: RunRow[] = [{ run_id: 'a', work_dir: '/w/a', state: 'running', job_id: '1', host: 'h', elapsed_s: 5, last_output_at: null }];
  const logger = createLogger({ prefix: 't', quiet: true });
  const server = await startStatusServer({ host: '127.0.0.1', port: 0, token: null, metrics: await createMonitorMetrics(), logger, pushIntervalMs: 100,
    source: { runs: async () => rows, logTail: async () => [], history: async () => [] } });
  const browser = await launchChromium();
  try {
    const page = await browser.context.newPage();
    await page.goto(`${server.url}/`);
    await page.waitForSelector('#runs tbody tr[data-state="running"]');
    rows.push({ run_id: 'b', work_dir: '/w/b', state: 'lost', job_id: null, host: 'h', elapsed_s: 1, last_output_at: null });
    await page.waitForSelector('#runs tbody tr[data-state="lost"]');
    expect(await page.locator('#runs tbody tr').count()).toBe(2);
  } finally {
    await browser.close();
    await server.close();
  }
});
