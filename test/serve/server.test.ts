import { spawnSync } from 'node:child_process';
import { createLogger } from '../../lib/common/logger.js';
import { checkBind, isLoopbackHost, tokenMatches } from '../../lib/serve/auth.js';
import { createMonitorMetrics } from '../../lib/serve/metrics.js';
import { runKey, startStatusServer, type RunRow, type RunSource } from '../../lib/serve/server.js';
import { makeRow } from './rows.js';

const RUNS: RunRow[] = [
  makeRow({
    run_id: 'bert', work_dir: '/scratch/alice/bert', state: 'running', job_id: '42', host: 'gpu01', elapsed_s: 3600, last_output_age_s: 12,
    gpus: [
      { index: 0, utilization_pct: 0, memory_used_mib: 1000, memory_total_mib: 80000 },
      { index: 1, utilization_pct: null, memory_used_mib: null, memory_total_mib: null },
    ],
  }),
  makeRow({ work_dir: '/scratch/alice/gpt', state: 'delivery_failing', host: 'lab', elapsed_s: 10 }),
];

const source: RunSource = {
  runs: async () => RUNS,
  logTail: async (run) => [`last line of ${run.run_id ?? 'gpt'}`],
  history: async (limit) => [{ title: 'done', status: 'success', delivered_at: '2026-01-01T00:00:00Z' }].slice(0, limit),
};

const quiet = createLogger({
  prefix: 'test',
  quiet: true,
  stderr: { write: () => true, on: () => undefined } as unknown as NodeJS.WritableStream,
});

async function withServer(token: string | null, body: (url: string) => Promise<void>) {
  const metrics = await createMonitorMetrics();
  const server = await startStatusServer({ host: '127.0.0.1', port: 0, token, source, metrics, logger: quiet, pushIntervalMs: 100 });
  try {
    await body(server.url);
  } finally {
    await server.close();
  }
}

describe('status server', () => {
  test('serves /api/runs (status --json with an id), /healthz and the page', async () => {
    await withServer(null, async (url) => {
      const runs = (await (await fetch(`${url}/api/runs`)).json()) as (RunRow & { id: string })[];
      expect(runs.map((r) => r.id)).toEqual(RUNS.map(runKey));
      expect(runs[0]).toMatchObject({ run_id: 'bert', state: 'running' });
      expect(await (await fetch(`${url}/healthz`)).text()).toBe('ok\n');
      const page = await fetch(`${url}/`);
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
      expect(await page.text()).toMatch(/<table id="runs">/);
    });
  });

  test('looks runs up by id only: unknown and path-like ids are 404, never read from disk', async () => {
    await withServer(null, async (url) => {
      const id = runKey(RUNS[0]);
      const ok = (await (await fetch(`${url}/api/runs/${id}`)).json()) as { run: RunRow; log: string[] };
      expect(ok.log).toEqual(['last line of bert']);
      for (const bad of ['..%2F..%2Fetc%2Fpasswd', '%2Fetc%2Fpasswd', 'bert', '.train_complete.json', 'x'.repeat(100)]) {
        expect((await fetch(`${url}/api/runs/${bad}`)).status).toBe(404);
      }
      expect((await fetch(`${url}/api/runs/../../etc/passwd`)).status).toBe(404);
    });
  });

  test('with a token, every route but /healthz needs it (header or query), compared exactly', async () => {
    const token = 'a'.repeat(20) + 'secret';
    await withServer(token, async (url) => {
      expect((await fetch(`${url}/api/runs`)).status).toBe(401);
      expect((await fetch(`${url}/metrics`)).status).toBe(401);
      expect((await fetch(`${url}/api/runs`, { headers: { Authorization: `Bearer ${token}x` } })).status).toBe(401);
      expect((await fetch(`${url}/api/runs`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(200);
      expect((await fetch(`${url}/api/runs?token=${token}`)).status).toBe(200);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
    });
  });

  test('pushes the runs as server-sent events', async () => {
    await withServer(null, async (url) => {
      const controller = new AbortController();
      const res = await fetch(`${url}/events`, { signal: controller.signal });
      expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
      const reader = res.body!.getReader();
      let seen = '';
      while (!seen.includes('\n\n')) seen += new TextDecoder().decode((await reader.read()).value);
      controller.abort();
      expect(seen).toMatch(/^event: runs\ndata: /);
      const data = JSON.parse(seen.split('\n')[1].slice('data: '.length)) as { runs: unknown[] };
      expect(data.runs).toHaveLength(2);
    });
  });

  test('/metrics is Prometheus text that promtool accepts, with runs by state and per-run GPU and output age', async () => {
    await withServer(null, async (url) => {
      const res = await fetch(`${url}/metrics`);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await res.text();
      expect(text).toMatch(/^hpc_run_runs\{state="running"\} 1$/m);
      expect(text).toMatch(/^hpc_run_runs\{state="delivery_failing"\} 1$/m);
      expect(text).toMatch(/^hpc_run_runs\{state="lost"\} 0$/m);
      expect(text).toMatch(/^hpc_run_run_gpu_utilization_percent\{run="bert",job_id="42",gpu="0"\} 0$/m);
      expect(text).not.toMatch(/gpu="1"/); // MIG [N/A]: no reading, no sample
      expect(text).toMatch(/^hpc_run_run_last_output_age_seconds\{run="bert",job_id="42"\} 12$/m);
      const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
      if (check.error && process.env.CI !== 'true') return; // promtool is installed by .ci/run
      expect(check.stderr + check.stdout).toBe('');
      expect(check.status).toBe(0);
    });
  });
});

describe('binding', () => {
  test('loopback addresses need no token; anything else does', () => {
    for (const host of ['127.0.0.1', '127.0.1.1', '::1', '[::1]', 'localhost']) expect(isLoopbackHost(host)).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.5', 'login1']) expect(isLoopbackHost(host)).toBe(false);
    expect(() => checkBind('0.0.0.0', null)).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
    expect(() => checkBind('0.0.0.0', 'x'.repeat(32))).not.toThrow();
  });

  test('tokens compare by value', () => {
    expect(tokenMatches('abc', 'abc')).toBe(true);
    expect(tokenMatches('abc', 'abd')).toBe(false);
    expect(tokenMatches('abc', null)).toBe(false);
  });
});
