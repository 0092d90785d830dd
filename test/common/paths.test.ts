import { resolveRunId, markerFileName, MARKER_NAME, logFileName, isoLocal } from '../../lib/common/paths.js';

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
