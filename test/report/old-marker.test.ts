import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseMarker } from '../../lib/common/marker.js';
import { createChannel as createWebhook } from '../../lib/notify/channels/webhook.js';
import { buildReport } from '../../lib/report/build.js';
import { renderReport } from '../../lib/report/render.js';
import { makeTempDir } from '../helpers/run-bin.js';
import { channelConfig, makeContext } from '../notify/channel-context.js';
import { reportConfig } from '../helpers/report-config.js';

// The earlier Python tool wrote markers with the seed's four fields only, and Python's negative return code.
const seed = (fields: Record<string, unknown>) =>
  parseMarker(
    JSON.stringify({ timestamp: '2024-01-01 12:00:00', status: 'failed', exit_code: 1, log_file: 'logs/train.log', ...fields }),
    'm.json',
  );

let tmp: { dir: string; cleanup: () => void };
beforeAll(() => {
  tmp = makeTempDir('hpc-run-old-marker-');
  mkdirSync(join(tmp.dir, 'resnet', 'logs'), { recursive: true });
  writeFileSync(join(tmp.dir, 'resnet', 'logs', 'train.log'), 'epoch 1\nepoch 2\n');
});
afterAll(() => tmp.cleanup());

describe('reading the earlier tool\'s markers', () => {
  test('fields a 4-field marker lacks are null, not invented', () => {
    const m = seed({});
    expect(m).toMatchObject({
      pid: null, duration_s: null, host: null, user: null, started_at: null, ended_at: null,
      wrapper_version: null, run_id: null, signal: null,
    });
    expect(m).toMatchObject({ status: 'failed', exit_code: 1, command: '', work_dir: '' });
  });

  test('a negative exit code is a signal: -15 SIGTERM and -9 SIGKILL are terminated, -11 SIGSEGV stays failed', () => {
    expect(seed({ exit_code: -15 })).toMatchObject({ status: 'terminated', exit_code: null, signal: 'SIGTERM' });
    expect(seed({ exit_code: -9 })).toMatchObject({ status: 'terminated', exit_code: null, signal: 'SIGKILL' });
    expect(seed({ exit_code: -11 })).toMatchObject({ status: 'failed', exit_code: null, signal: 'SIGSEGV' });
    // Not a failure to begin with, or no such signal: kept as written.
    expect(seed({ status: 'success', exit_code: -15 })).toMatchObject({ status: 'success', signal: 'SIGTERM' });
    expect(seed({ exit_code: -999 })).toMatchObject({ status: 'failed', exit_code: -999, signal: null });
    expect(seed({ exit_code: 143, signal: 'SIGTERM', status: 'terminated' })).toMatchObject({ exit_code: 143, signal: 'SIGTERM' });
  });

  test('the report shows only what is known: no 0s duration, no pid, no empty host; the signal as the reason', async () => {
    const workDir = join(tmp.dir, 'resnet');
    for (const language of ['en', 'zh'] as const) {
      const report = await buildReport(seed({ exit_code: -15 }), { workDir, report: reportConfig({ language }) });
      const { title, body } = renderReport(report, 'text');
      if (language === 'en') {
        expect(title).toBe('⚠️ terminated · resnet');
        expect(body.split('\n')[0]).toBe('stopped by SIGTERM');
        expect(report.summary.map(([label]) => label)).toEqual(['Status', 'Signal', 'Ended', 'Log file']);
        expect(body).not.toMatch(/Exit code|Duration|Host|Started|User|0s|—/);
      } else {
        expect(title).toBe('⚠️ 被终止 · resnet');
        expect(body.split('\n')[0]).toBe('被 SIGTERM 信号停止');
        expect(body).not.toMatch(/退出码|运行时长|主机|0秒/);
      }
    }
  });

  test('the webhook\'s marker and template fields carry null for what is unknown', async () => {
    const report = await buildReport(seed({}), { workDir: join(tmp.dir, 'resnet'), report: reportConfig() });
    const json = createWebhook(channelConfig('webhook', { url: 'http://127.0.0.1:9/hook' }), makeContext()).format(report);
    expect(JSON.parse(json.body).marker).toMatchObject({ duration_s: null, pid: null, host: null });
    const template = createWebhook(channelConfig('webhook', { url: 'http://127.0.0.1:9/hook', body_template: '{"d": {{duration_s}}, "h": "{{host}}"}' }), makeContext()).format(report);
    expect(JSON.parse(template.body)).toEqual({ d: null, h: null });
  });
});
