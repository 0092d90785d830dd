import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { makeTempDir } from '../helpers/run-bin.js';
import { createChannel } from '../../lib/notify/channels/console.js';
import { channelConfig, testContext } from './channel-context.js';
import { LAST_LINE, makeHugeReport, makeReport } from './reports.js';

const tmp = makeTempDir();
afterAll(() => tmp.cleanup());

describe('console channel', () => {
  test('prints the text report and appends it, with a timestamped separator, to notifications.log', async () => {
    const state = join(tmp.dir, 'state-a', 'nested');
    const ctx = testContext([], { HPC_RUN_STATE_DIR: state });
    const channel = createChannel(channelConfig('console', {}), ctx);
    const first = await channel.send(channel.format(makeReport()));
    const second = await channel.send(channel.format(makeReport({ status: 'success' })));
    expect(first).toEqual({ ok: true, detail: 'delivered', retryable: false });
    expect(second.ok).toBe(true);
    expect(ctx.logger.lines.out).toHaveLength(2);
    expect(ctx.logger.lines.out[0].startsWith('❌ failed · bert · 123450_7\n\n')).toBe(true);
    expect(ctx.logger.lines.out[0]).toContain('CUDA out of memory <&>');
    const log = readFileSync(join(state, 'notifications.log'), 'utf8');
    const separators = log.match(/^===== \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z =====$/gm) ?? [];
    expect(separators).toHaveLength(2);
    expect(log).toContain(ctx.logger.lines.out[0]);
    expect(statSync(join(state, 'notifications.log')).mode & 0o777).toBe(0o600);
  });

  test('the whole report, however long, ends with the last log line', async () => {
    const ctx = testContext([], { HPC_RUN_STATE_DIR: join(tmp.dir, 'state-b') });
    const channel = createChannel(channelConfig('console', {}), ctx);
    await channel.send(channel.format(makeHugeReport()));
    expect(ctx.logger.lines.out[0].trimEnd().endsWith(LAST_LINE)).toBe(true);
  });

  test('a secret echoed by the log is not printed nor written', async () => {
    const state = join(tmp.dir, 'state-c');
    const ctx = testContext(['sk-live-abcdef123'], { HPC_RUN_STATE_DIR: state });
    const channel = createChannel(channelConfig('console', {}), ctx);
    await channel.send(channel.format(makeReport({ logTail: ['using key sk-live-abcdef123'] })));
    expect(ctx.logger.lines.out[0]).toContain('using key ***');
    expect(readFileSync(join(state, 'notifications.log'), 'utf8')).not.toContain('sk-live-abcdef123');
  });

  test('an unwritable log is a retryable failure, not a crash', async () => {
    const blocker = join(tmp.dir, 'not-a-dir');
    writeFileSync(blocker, 'x');
    const ctx = testContext([], { HPC_RUN_STATE_DIR: join(blocker, 'state') });
    const channel = createChannel(channelConfig('console', {}), ctx);
    const delivery = await channel.send(channel.format(makeReport()));
    expect(delivery.ok).toBe(false);
    expect(delivery.retryable).toBe(true);
    expect(delivery.detail).toMatch(/^could not append to .*notifications\.log: .*(ENOTDIR|EEXIST)/);
    expect(ctx.logger.lines.out).toHaveLength(1);
  });
});
