import { parseDuration, formatDuration } from '../lib/common/duration.js';
import { resolveRunId, markerFileName, MARKER_NAME, logFileName, isoLocal } from '../lib/common/paths.js';
import { parseMarker } from '../lib/common/marker.js';
import { UsageError, CorruptFileError } from '../lib/common/errors.js';

describe('durations', () => {
  test('seconds and units', () => {
    expect(parseDuration('90', '--x')).toBe(90);
    expect(parseDuration('10m', '--x')).toBe(600);
    expect(parseDuration('1.5h', '--x')).toBe(5400);
    expect(parseDuration(30, '--x')).toBe(30);
  });
  test('bad values name the flag', () => {
    for (const bad of ['0', '-5', 'abc', '', '10d']) {
      expect(() => parseDuration(bad, '--interval')).toThrow(UsageError);
    }
    expect(() => parseDuration('x', '--interval')).toThrow(/--interval/);
  });
  test('formatting', () => {
    expect(formatDuration(3606.2)).toBe('1h 00m 06s');
    expect(formatDuration(65)).toBe('1m 05s');
  });
});

describe('run ids and names', () => {
  test('precedence: explicit, array, job, none; requeue suffix', () => {
    expect(resolveRunId('mine', { SLURM_JOB_ID: '5' })).toBe('mine');
    expect(resolveRunId(undefined, { SLURM_JOB_ID: '9', SLURM_ARRAY_JOB_ID: '8', SLURM_ARRAY_TASK_ID: '3' })).toBe('8_3');
    expect(resolveRunId(undefined, { SLURM_JOB_ID: '9' })).toBe('9');
    expect(resolveRunId(undefined, { SLURM_JOB_ID: '9', SLURM_RESTART_COUNT: '2' })).toBe('9_r2');
    expect(resolveRunId(undefined, {})).toBeNull();
    expect(resolveRunId('a/../b', {})).toBe('a_.._b');
  });
  test('marker names', () => {
    expect(markerFileName(null)).toBe('.train_complete.json');
    expect(markerFileName('12_3')).toBe('.train_complete.12_3.json');
    expect(MARKER_NAME.test('.train_complete.json')).toBe(true);
    expect(MARKER_NAME.test('.train_complete.12_3.json')).toBe(true);
    expect(MARKER_NAME.test('.train_complete.json.3f2a1b')).toBe(false);
    expect(MARKER_NAME.test('.train_complete.12.json.claim-host-1')).toBe(false);
  });
  test('log name and local ISO time', () => {
    const d = new Date(2024, 0, 1, 12, 34, 56);
    expect(logFileName(d, null)).toBe('train_20240101_123456.log');
    expect(logFileName(d, '7')).toBe('train_20240101_123456_7.log');
    expect(isoLocal(d)).toMatch(/^2024-01-01T12:34:56[+-]\d\d:\d\d$/);
  });
});

describe('markers', () => {
  test('the seed four-field marker parses', () => {
    const m = parseMarker('{"timestamp":"2024-01-01 12:34:56","status":"success","exit_code":0,"log_file":"logs/a.log"}', 'f');
    expect(m.status).toBe('success');
    expect(m.gpus).toEqual([]);
    expect(m.slurm).toBeNull();
  });
  test('corrupt markers name the problem', () => {
    expect(() => parseMarker('{"status":', 'f')).toThrow(CorruptFileError);
    expect(() => parseMarker('{"status":"weird"}', 'f')).toThrow(/unknown status/);
    expect(() => parseMarker('[1]', 'f')).toThrow(/object/);
  });
});
