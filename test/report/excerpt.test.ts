import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findErrorExcerpt, findErrorRegion, MAX_EXCERPT_LINES } from '../../lib/report/excerpt.js';
import { ROOT } from '../helpers/run-bin.js';

const fixture = (name: string) => readFileSync(join(ROOT, 'test', 'fixtures', 'logs', name), 'utf8').replace(/\n$/, '').split('\n');

describe('error excerpts', () => {
  test('a Python traceback through the exception line (torch.OutOfMemoryError)', () => {
    const region = findErrorRegion(fixture('traceback-cuda-oom.log'));
    expect(region?.kind).toBe('traceback');
    expect(region?.lines[0]).toBe('Traceback (most recent call last):');
    expect(region?.lines[region.lines.length - 1]).toMatch(/^torch\.OutOfMemoryError: CUDA out of memory/);
    expect(region?.lines.join('\n')).not.toContain('emergency checkpoint');
  });

  test('a printed line that the other stream\'s copier put inside the traceback is passed over', () => {
    const frames = ['Traceback (most recent call last):', '  File "train.py", line 9, in <module>', '    step()'];
    const exception = 'RuntimeError: CUDA out of memory. Tried to allocate 2.00 GiB';
    const inner = ['  File "train.py", line 4, in step', '    raise RuntimeError("CUDA out of memory")'];
    for (const lines of [
      [...frames, 'epoch 1 loss=0.91', ...inner, exception],
      [...frames, ...inner, 'epoch 1 loss=0.91', exception],
    ]) {
      expect(findErrorRegion(lines)?.headline).toBe(exception);
    }
    // A plain line after the last frame with nothing after it is still taken as the end (no exception line came).
    expect(findErrorRegion([...frames, ...inner, 'Killed by a signal'])?.headline).toBe('Killed by a signal');
  });

  test('a bare CUDA out of memory line (older PyTorch)', () => {
    const region = findErrorRegion(fixture('cuda-oom-legacy.log'));
    expect(region?.kind).toBe('cuda_oom');
    expect(region?.lines).toContain(
      'RuntimeError: CUDA out of memory. Tried to allocate 20.00 MiB (GPU 0; 10.76 GiB total capacity; ' +
        '9.61 GiB already allocated; 5.56 MiB free; 9.84 GiB reserved in total by PyTorch)',
    );
  });

  test('NCCL WARN lines before the traceback they cause', () => {
    const region = findErrorRegion(fixture('nccl-ranks.log'));
    expect(region?.kind).toBe('nccl');
    expect(region?.lines.some((l) => l.includes('NCCL WARN NET/IB'))).toBe(true);
  });

  test('a rank-prefixed traceback with interleaved output and a multi-line NCCL message', () => {
    const excerpt = findErrorExcerpt(fixture('nccl-traceback.log'));
    expect(excerpt[0]).toBe('[rank1]: Traceback (most recent call last):');
    expect(excerpt.every((l) => l.startsWith('[rank1]: '))).toBe(true);
    expect(excerpt).toContain('[rank1]: ncclInternalError: Internal check failed.');
    expect(excerpt[excerpt.length - 1]).toBe('[rank1]: Net : Connection closed by remote peer gpu043<51234>');
  });

  test("Slurm's time limit", () => {
    const region = findErrorRegion(fixture('slurm-time-limit.log'));
    expect(region?.kind).toBe('time_limit');
    expect(region?.lines).toContain('slurmstepd: error: *** JOB 4191701 ON gpu042 CANCELLED AT 2024-05-02T12:00:14 DUE TO TIME LIMIT ***');
  });

  test('scancel', () => {
    const lines = ['step 9', 'slurmstepd: error: *** JOB 77 ON gpu001 CANCELLED AT 2024-05-02T09:00:00 ***'];
    expect(findErrorRegion(lines)?.kind).toBe('cancelled');
  });

  test('the OOM killer through the shell and slurmstepd', () => {
    const region = findErrorRegion(fixture('oom-killed.log'));
    expect(region?.kind).toBe('oom_killed');
    expect(region?.lines.join('\n')).toMatch(/51234 Killed\s+python preprocess\.py/);
    expect(findErrorRegion(['a', 'Killed'])?.kind).toBe('oom_killed');
    expect(findErrorRegion(['slurmstepd: error: Detected 2 oom_kill events in StepId=5.0.'])?.kind).toBe('oom_killed');
  });

  test('segmentation fault and core dumps', () => {
    const region = findErrorRegion(fixture('segfault.log'));
    expect(region?.kind).toBe('segfault');
    expect(region?.lines).toContain('Fatal Python error: Segmentation fault');
    expect(findErrorRegion(['Aborted (core dumped)'])?.kind).toBe('segfault');
  });

  test('bus errors (shared memory exhausted in DataLoader workers)', () => {
    expect(findErrorRegion(fixture('bus-error.log'))?.kind).toBe('bus_error');
    expect(findErrorRegion(['bash: line 1: 99 Bus error (core dumped) ./a.out'])?.kind).toBe('segfault');
    expect(findErrorRegion(['x', 'Bus error'])?.kind).toBe('bus_error');
  });

  test('…Error: lines as the last resort, and nothing in a clean log', () => {
    const region = findErrorRegion(fixture('generic-error.log'));
    expect(region?.kind).toBe('generic');
    expect(region?.lines).toContain('ValueError: learning rate must be positive, got -0.001');
    expect(findErrorExcerpt(fixture('clean-success.log'))).toEqual([]);
    expect(findErrorExcerpt([])).toEqual([]);
  });

  test('a recognised signature wins over an earlier generic error line', () => {
    const lines = [
      'Error: retrying download', 'ok', 'slurmstepd: error: *** JOB 1 ON n1 CANCELLED AT 2024-01-01T00:00:00 DUE TO TIME LIMIT ***',
    ];
    expect(findErrorRegion(lines)?.kind).toBe('time_limit');
  });

  test('chained tracebacks stop at the first exception; a cut-off traceback ends with the log', () => {
    const chained = ['Traceback (most recent call last):', '  File "a.py", line 1, in f', 'KeyError: 3', '',
      'During handling of the above exception, another exception occurred:', '',
      'Traceback (most recent call last):', '  File "a.py", line 3', 'ValueError: x'];
    expect(findErrorExcerpt(chained)).toEqual(chained.slice(0, 3));
    const cut = ['Traceback (most recent call last):', '  File "a.py", line 1, in f', '    g()'];
    expect(findErrorExcerpt(cut)).toEqual(cut);
  });

  test('a very deep traceback is bounded, keeping the header and the end', () => {
    const frames = Array.from({ length: 500 }, (_, i) => `  File "m.py", line ${i}, in f${i}`);
    const lines = ['Traceback (most recent call last):', ...frames, 'RecursionError: maximum recursion depth exceeded'];
    const excerpt = findErrorExcerpt(lines);
    expect(excerpt).toHaveLength(MAX_EXCERPT_LINES);
    expect(excerpt[0]).toBe(lines[0]);
    expect(excerpt[excerpt.length - 1]).toBe('RecursionError: maximum recursion depth exceeded');
  });
});
