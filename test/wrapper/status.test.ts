import { classifyEnd, exitStatusOf, readShellSignal } from '../../lib/wrapper/status.js';

const at = (s: number) => new Date(1_700_000_000_000 + s * 1000);
const ok = { code: 0, signal: null, spawnError: null };

// Pure rules: status and exit status from how the command ended.
describe('classifyEnd', () => {
  test('codes, signals and failed starts', () => {
    expect(classifyEnd({ end: ok, outside: null, endedAt: at(0), jobEndTime: null })).toEqual({
      status: 'success',
      exitCode: 0,
      signal: null,
    });
    expect(classifyEnd({ end: { ...ok, code: 2 }, outside: null, endedAt: at(0), jobEndTime: null }).status).toBe('failed');
    expect(
      classifyEnd({ end: { code: null, signal: 'SIGSEGV', spawnError: null }, outside: null, endedAt: at(0), jobEndTime: null }),
    ).toEqual({ status: 'failed', exitCode: 139, signal: 'SIGSEGV' });
    expect(
      classifyEnd({ end: { code: null, signal: 'SIGKILL', spawnError: null }, outside: null, endedAt: at(0), jobEndTime: null }).status,
    ).toBe('terminated');
    expect(exitStatusOf({ code: null, signal: null, spawnError: 'ENOENT' })).toBe(127);
    expect(exitStatusOf({ code: null, signal: null, spawnError: 'EACCES' })).toBe(126);
  });
  test('a terminating signal from outside: terminated, or timeout from a minute before the end time', () => {
    const end = { code: 1, signal: null, spawnError: null };
    const term = (s: number) => ({ signal: 'SIGTERM' as const, at: at(s) });
    expect(classifyEnd({ end, outside: term(0), endedAt: at(1), jobEndTime: null }).status).toBe('terminated');
    expect(classifyEnd({ end, outside: term(0), endedAt: at(1), jobEndTime: at(3600) }).status).toBe('terminated');
    expect(classifyEnd({ end, outside: term(3540), endedAt: at(3541), jobEndTime: at(3600) }).status).toBe('timeout');
    expect(classifyEnd({ end, outside: term(3700), endedAt: at(3701), jobEndTime: at(3600) })).toEqual({
      status: 'timeout',
      exitCode: 1,
      signal: 'SIGTERM',
    });
    expect(
      classifyEnd({ end, outside: { signal: 'SIGINT', at: at(3600) }, endedAt: at(3601), jobEndTime: at(3600) }).status,
    ).toBe('terminated');
    // Slurm signals the command and the wrapper at once; the command's own SIGTERM death counts the same way.
    expect(
      classifyEnd({
        end: { code: null, signal: 'SIGTERM', spawnError: null },
        outside: null,
        endedAt: at(3600),
        jobEndTime: at(3600),
      }).status,
    ).toBe('timeout');
  });
});

describe('readShellSignal', () => {
  const code = (n: number) => ({ code: n, signal: null, spawnError: null });
  test("the shell's 128+N for a stop signal is read as that signal, with the same exit status", () => {
    expect(readShellSignal(code(143))).toEqual({ code: null, signal: 'SIGTERM', spawnError: null });
    expect(readShellSignal(code(130)).signal).toBe('SIGINT');
    expect(readShellSignal(code(129)).signal).toBe('SIGHUP');
    expect(readShellSignal(code(137)).signal).toBe('SIGKILL');
    expect(exitStatusOf(readShellSignal(code(143)))).toBe(143);
  });
  test('other codes, crash signals and real signal deaths stay as they are', () => {
    for (const n of [0, 1, 3, 127, 128, 139, 255]) expect(readShellSignal(code(n))).toEqual(code(n));
    const died = { code: null, signal: 'SIGTERM' as NodeJS.Signals, spawnError: null };
    expect(readShellSignal(died)).toBe(died);
  });
});
