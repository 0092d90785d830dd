import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, isolatedEnv, makeTempDir, runBin } from '../helpers/run-bin.js';

// Both programs' own lines as one JSON object per line; the command's own output is never touched.
describe('HPC_RUN_LOG_FORMAT=json', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let workDir: string;
  let env: NodeJS.ProcessEnv;

  beforeEach(() => {
    tmp = makeTempDir('hpc-run-jsonlog-');
    workDir = join(tmp.dir, 'work');
    mkdirSync(workDir);
    env = isolatedEnv(join(tmp.dir, 'state'), { HOME: tmp.dir, HPC_RUN_LOG_FORMAT: 'json' });
  });
  afterEach(() => tmp.cleanup());

  const parse = (line: string) => JSON.parse(line) as { time: string; level: string; program: string; message: string };

  test('the wrapper writes its own lines as JSON and passes the command output through unchanged', async () => {
    const script = 'print("plain stdout line"); import sys; print("plain stderr line", file=sys.stderr); sys.exit(3)';
    const result = await runBin(BIN.wrapper, ['--work-dir', workDir, '--', 'python3', '-c', script], { env });
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('plain stdout line\n');
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toContain('plain stderr line');
    const own = lines.filter((l) => l !== 'plain stderr line').map(parse);
    expect(own.length).toBeGreaterThanOrEqual(3);
    for (const entry of own) {
      expect(entry.program).toBe('train-wrapper');
      expect(['info', 'warning', 'error']).toContain(entry.level);
      expect(Number.isNaN(Date.parse(entry.time))).toBe(false);
    }
    expect(own.some((e) => e.message.startsWith('command ended: failed, exit 3'))).toBe(true);
  });

  test('a usage error is one JSON line with its code and fix', async () => {
    const result = await runBin(BIN.monitor, ['--interval', 'soon'], { env });
    expect(result.code).toBe(2);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    const entry = parse(lines[0]) as ReturnType<typeof parse> & { code: string };
    expect(entry.level).toBe('error');
    expect(entry.program).toBe('train-monitor');
    expect(entry.code).toBe('E_FLAG_VALUE');
  });

  test('the monitor reports as usual on stdout while its own lines are JSON', async () => {
    const wrapped = await runBin(BIN.wrapper, ['--work-dir', workDir, '--quiet', '--', 'true'], { env });
    expect(wrapped.code).toBe(0);
    const result = await runBin(BIN.monitor, ['--once', '--work-dir', workDir], { env });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/success/);
    for (const line of result.stderr.trimEnd().split('\n').filter(Boolean)) expect(parse(line).program).toBe('train-monitor');
  });
});
