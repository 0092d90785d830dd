import { MESSAGES, STATUS_EMOJI, formatDurationIn, statusLabel, translate } from '../../lib/report/i18n.js';
import type { InRunStatus, RunStatus } from '../../lib/common/marker.js';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('English and Chinese strings', () => {
  test('both languages have exactly the same keys, none empty', () => {
    const en = Object.keys(MESSAGES.en).sort();
    const zh = Object.keys(MESSAGES.zh).sort();
    expect(zh).toEqual(en);
    for (const lang of ['en', 'zh'] as const) {
      for (const [key, value] of Object.entries(MESSAGES[lang])) expect([key, value.trim().length > 0]).toEqual([key, true]);
    }
  });

  test('every translation uses the same placeholders as the English text', () => {
    for (const key of Object.keys(MESSAGES.en) as Array<keyof typeof MESSAGES.en>) {
      expect([key, placeholders(MESSAGES.zh[key])]).toEqual([key, placeholders(MESSAGES.en[key])]);
    }
  });

  test('Chinese strings are really translated (labels, statuses, notes)', () => {
    const untranslated = Object.entries(MESSAGES.zh).filter(([key, value]) => value === MESSAGES.en[key as keyof typeof MESSAGES.en]);
    // Only strings that are language-neutral may be the same.
    expect(untranslated.map(([key]) => key).sort()).toEqual(['count.item', 'label.gpu']);
  });

  test('status words and emoji for every status', () => {
    const statuses: RunStatus[] = ['success', 'failed', 'terminated', 'timeout', 'lost'];
    expect(statuses.map((s) => statusLabel('en', s))).toEqual(['✅ success', '❌ failed', '⚠️ terminated', '⏰ timeout', '💀 lost']);
    expect(statuses.map((s) => statusLabel('zh', s))).toEqual(['✅ 成功', '❌ 失败', '⚠️ 被终止', '⏰ 超时', '💀 失联']);
    const inRun: InRunStatus[] = ['stalled', 'gpu_idle', 'resumed'];
    expect(inRun.map((s) => statusLabel('en', s))).toEqual(['⏸️ stalled', '💤 GPUs idle', '▶️ resumed']);
    expect(inRun.map((s) => statusLabel('zh', s))).toEqual(['⏸️ 停滞', '💤 GPU 空闲', '▶️ 已恢复']);
    expect(Object.keys(STATUS_EMOJI).sort()).toEqual([...statuses, ...inRun].sort());
  });

  test('placeholders are filled; unknown ones stay visible', () => {
    expect(translate('en', 'section.log_tail', { n: 50 })).toBe('Last 50 lines of the log');
    expect(translate('zh', 'section.log_tail', { n: 50 })).toBe('日志最后 50 行');
    expect(translate('en', 'section.log_tail')).toBe('Last {n} lines of the log');
  });

  test('durations in both languages', () => {
    expect(formatDurationIn('en', 3606.2)).toBe('1h 00m 06s');
    expect(formatDurationIn('en', 65)).toBe('1m 05s');
    expect(formatDurationIn('en', 7)).toBe('7s');
    expect(formatDurationIn('zh', 3606.2)).toBe('1小时00分06秒');
    expect(formatDurationIn('zh', 65)).toBe('1分05秒');
    expect(formatDurationIn('zh', 7)).toBe('7秒');
  });
});
