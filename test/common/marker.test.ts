import { parseMarker } from '../../lib/common/marker.js';
import { CorruptFileError } from '../../lib/common/errors.js';

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
