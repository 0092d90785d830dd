import { execFileSync } from 'node:child_process';
import { LAST_LINE as FIXTURE_LAST_LINE, makeHugeReport as makeFixtureHugeReport } from './report-fixture.js';
import { SEVERITY, type RunStatus } from '../../lib/common/marker.js';
import type { Logger } from '../../lib/common/logger.js';
import type { ChannelConfig } from '../../lib/config/types.js';
import type { Report } from '../../lib/report/types.js';
import type { Channel, ChannelContext } from '../../lib/notify/types.js';
import { makeMarker } from '../helpers/marker.js';

const ICON: Record<RunStatus, string> = { success: '✅', failed: '❌', terminated: '🛑', timeout: '⏰', lost: '🚨' };

/** A report as buildReport makes it, with `lines` log lines (the last one is `LAST LINE <n>`). */
export function makeReport(
  options: { status?: RunStatus; lines?: number; lineText?: (i: number) => string; language?: 'en' | 'zh' } = {},
): Report {
  const status = options.status ?? 'success';
  const count = options.lines ?? 5;
  const text = options.lineText ?? ((i: number) => `step ${i} loss=${(1 / (i + 1)).toFixed(4)}`);
  const logTail = Array.from({ length: count }, (_, i) => (i === count - 1 ? `LAST LINE ${i}` : text(i)));
  const marker = makeMarker({ status, exit_code: status === 'success' ? 0 : 1 });
  return {
    status,
    severity: SEVERITY[status],
    language: options.language ?? 'en',
    title: `${ICON[status]} ${status} · bert · ${marker.run_id}`,
    titleParts: [`${ICON[status]} ${status}`, 'bert', marker.run_id ?? ''],
    reason: status === 'success' ? null : 'RuntimeError: CUDA out of memory.',
    summary: [
      ['Exit code', String(marker.exit_code)],
      ['Host', 'gpu042'],
      ['Duration', '1h 00m 06s'],
      ['Slurm job', `${marker.slurm?.job_id} (gpu)`],
    ],
    errorExcerpt: status === 'success' ? [] : ['Traceback (most recent call last):', 'RuntimeError: CUDA out of memory.'],
    logTail,
    logNote: null,
    marker,
  };
}

/** A huge report: 2,000 long lines of Chinese text (each ~1,500 bytes), so every limit must cut it. */
export function makeHugeReport(status: RunStatus = 'failed'): Report {
  return makeReport({
    status,
    lines: 2000,
    language: 'zh',
    lineText: (i) => `第${i}步 训练损失下降，显存占用正常，数据加载器工作中。`.repeat(20),
  });
}

/** A channel context whose redactor replaces every given secret with `***`. */
export function makeContext(secrets: string[] = []): ChannelContext {
  const logger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined, out: () => undefined };
  const sorted = [...secrets].sort((a, b) => b.length - a.length);
  return {
    logger,
    env: {},
    redact: (s) => sorted.reduce((t, secret) => t.split(secret).join('***'), s),
  };
}

/** A channel config with a name. */
export function channelConfig(type: string, values: Record<string, unknown>): ChannelConfig {
  return { type, name: type, ...values };
}

/** Formats and sends one report through a channel. */
export async function deliver(channel: Channel, report: Report) {
  return channel.send(channel.format(report));
}

/** base64(HMAC-SHA256(key, data)) by `openssl dgst -sha256 -hmac KEY -binary | base64`, independent of our code. */
export function opensslHmacBase64(key: string, data: string): string {
  const out = execFileSync('sh', ['-c', 'openssl dgst -sha256 -hmac "$HMAC_KEY" -binary | base64 | tr -d "\\n"'], {
    input: data,
    env: { PATH: process.env.PATH, HMAC_KEY: key },
  });
  return out.toString('utf8').trim();
}

/** Both huge reports channels are tried with: name, builder, the last log line that must survive the cut. */
export const HUGE_REPORTS: Array<[string, () => Report, string]> = [
  ['2,000 long Chinese lines', () => makeHugeReport(), 'LAST LINE 1999'],
  ['a 100,000-line Chinese log', () => makeFixtureHugeReport(), FIXTURE_LAST_LINE],
];
