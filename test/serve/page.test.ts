import { type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasChromium, launchChromium } from '../helpers/browser.js';
import { BIN, ROOT, isolatedEnv, makeTempDir, runBin, startBin, waitFor } from '../helpers/run-bin.js';

const maybe = hasChromium || process.env.CI === 'true' ? describe : describe.skip;
const ARTIFACTS = process.env.HPC_RUN_TEST_ARTIFACTS ?? join(ROOT, 'test-artifacts');

// Prints a numbered line every 200 ms until the file `stop` appears in its work dir.
const TICKER =
  'import os,time\ni=0\nwhile not os.path.exists("stop"):\n    i+=1; print(f"step {i} loss {1/i:.4f}"); time.sleep(0.2)\nprint("done")';

maybe('status page in headless chromium, against train-monitor serve and live wrappers', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let env: NodeJS.ProcessEnv;
  const children: ChildProcess[] = [];

  beforeEach(() => {
    tmp = makeTempDir('hpc-run-page-');
    env = isolatedEnv(join(tmp.dir, 'state'), { HOME: tmp.dir });
  });
  afterEach(async () => {
    for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    tmp.cleanup();
  });

  const workDir = (name: string) => {
    const dir = join(tmp.dir, name);
    mkdirSync(dir, { recursive: true });
    return dir;
  };
  const startRun = (name: string) => {
    const dir = workDir(name);
    const run = startBin(BIN.wrapper, ['--work-dir', dir, '--run-id', name, '--heartbeat-interval', '1', '--', 'python3', '-c', TICKER], {
      env,
    });
    children.push(run.child);
    return { dir, ...run };
  };
  const serve = async (...args: string[]) => {
    const server = startBin(BIN.monitor, ['serve', '--port', '0', ...args], { env });
    children.push(server.child);
    let stderr = '';
    server.child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const url = await waitFor(() => /status page at (http:\/\/\S+)\//.exec(stderr)?.[1]);
    return { url, ...server };
  };

  test('a new run appears and one ends without a reload; the run page shows its log and reports', async () => {
    const alpha = startRun('alpha');
    await waitFor(() => existsSync(join(alpha.dir, '.train_running.alpha.json')));
    const { url } = await serve();
    const browser = await launchChromium();
    try {
      const page = await browser.context.newPage();
      await page.goto(`${url}/`);
      const row = (name: string) => page.locator('#runs tbody tr', { hasText: name });
      await row('alpha').waitFor();
      expect(await row('alpha').getAttribute('data-state')).toBe('running');
      await waitFor(async () => /step \d+/.test((await row('alpha').locator('td.line').textContent()) ?? ''));

      const beta = startRun('beta');
      await row('beta').waitFor(); // pushed by server-sent events: no reload
      expect(await page.evaluate(() => performance.getEntriesByType('navigation').length)).toBe(1);

      writeFileSync(join(alpha.dir, 'stop'), '');
      expect((await alpha.done).code).toBe(0);
      await page.waitForSelector('#runs tbody tr[data-state="delivering"]'); // ended, marker waiting for a monitor
      expect((await runBin(BIN.monitor, ['--once'], { env })).code).toBe(0);
      await page.waitForSelector('#runs tbody tr[data-state="delivered"]');
      expect(await row('alpha').getAttribute('data-state')).toBe('delivered');
      expect(await row('beta').getAttribute('data-state')).toBe('running');
      await page.waitForSelector('#history li');
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'status-page.png'), fullPage: true });

      await row('alpha').locator('a').click();
      await page.waitForSelector('#run-log:not(:empty)');
      expect(await page.locator('#run-title').textContent()).toMatch(/^alpha · delivered/);
      expect(await page.locator('#run-log').textContent()).toMatch(/step 1 loss 1\.0000[\s\S]*done/);
      await page.waitForSelector('#run-reports li');
      await page.screenshot({ path: join(ARTIFACTS, 'status-page-run.png'), fullPage: true });

      writeFileSync(join(beta.dir, 'stop'), '');
      expect((await beta.done).code).toBe(0);
    } finally {
      await browser.close();
    }
  });

  test('a path-like run id is refused; with --token-file every route but /healthz needs the token', async () => {
    const tokenFile = join(tmp.dir, 'token');
    writeFileSync(tokenFile, 'f'.repeat(40) + '\n', { mode: 0o600 });
    const { url } = await serve('--token-file', tokenFile);
    const auth = { headers: { Authorization: `Bearer ${'f'.repeat(40)}` } };
    expect((await fetch(`${url}/api/runs`)).status).toBe(401);
    expect((await fetch(`${url}/`)).status).toBe(401);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/api/runs`, auth)).status).toBe(200);
    for (const id of ['..%2F..%2Fetc%2Fpasswd', '%2Fetc%2Fpasswd', '.train_complete.json'])
      expect((await fetch(`${url}/api/runs/${id}`, auth)).status).toBe(404);
  });

  test('binding off loopback without a token is refused at start', async () => {
    const result = await runBin(BIN.monitor, ['serve', '--host', '0.0.0.0', '--port', '0'], { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--host 0\.0\.0\.0 is reachable from other machines, so a token is required/);
    expect(result.stderr).toMatch(/--token-file/);
  });
});
