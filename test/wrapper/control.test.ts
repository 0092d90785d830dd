import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../helpers/run-bin.js';
import { controlFileExists, writeControlFile } from './control-file.js';
import { FIXTURES, makeSandbox, statusOf, type Sandbox } from './setup.js';

const SIGNALS_JOB = join(FIXTURES, 'signals.mjs');

// `train-monitor stop` writes a control file into the work dir; the running wrapper acts on it (no ssh, no Slurm).
describe('train-wrapper control file', () => {
  let box: Sandbox;
  let record: string;
  beforeEach(() => {
    box = makeSandbox();
    record = join(box.root, 'signals.txt');
  });
  afterEach(() => box.cleanup());

  const recorded = () => (existsSync(record) ? readFileSync(record, 'utf8') : '');

  /** Starts the wrapper around the signal-recording job; `stderr()` is what it said so far. */
  async function startJob(runId: string | null, how: 'no shell' | 'sh -c' = 'no shell') {
    const idArgs = runId === null ? [] : ['--run-id', runId];
    const command =
      how === 'sh -c' ? ['--command', `"${process.execPath}" "${SIGNALS_JOB}" "${record}"`] : ['--', process.execPath, SIGNALS_JOB, record];
    const run = box.start(['--work-dir', box.workDir, '--control-interval', '0.2', ...idArgs, ...command]);
    let said = '';
    run.child.stderr?.on('data', (d: Buffer | string) => (said += d.toString()));
    await waitFor(() => run.output().includes('ready'));
    return { ...run, stderr: () => said };
  }

  test.each([
    ['TERM', 'no shell', 143],
    ['INT', 'no shell', 130],
    ['TERM', 'sh -c', 143],
  ] as const)('a %s request (%s) ends the run through the grace period: terminated, %d, ' +
    'stopped_by and the reason in the marker', async (signal, how, code) => {
    const run = await startJob('r1', how);
    const request = writeControlFile(box.workDir, 'r1', { signal, reason: 'wrong learning rate' });
    const result = await run.done;
    expect(statusOf(result)).toBe(code);
    expect(recorded()).toBe(`SIG${signal}\n`);
    expect(box.marker().data).toMatchObject({
      status: 'terminated', exit_code: code, signal: `SIG${signal}`, stopped_by: request.by, stop_reason: 'wrong learning rate',
    });
    expect(result.stderr).toContain(`stop asked by tester@login1 (wrong learning rate): SIG${signal} passed on`);
    expect(controlFileExists(box.workDir, 'r1')).toBe(false);
  });

  test.each([
    ['USR1', 'r1'],
    ['USR2', null],
  ] as const)('a %s request (run id %s) reaches the command once and the run goes on; a later TERM ends it', async (signal, runId) => {
    const run = await startJob(runId);
    const first = writeControlFile(box.workDir, runId, { signal, reason: null });
    await waitFor(() => recorded().includes(`SIG${signal}`));
    await waitFor(() => !controlFileExists(box.workDir, runId));
    // The same request again (same nonce, a new file): taken as done, removed, not acted on twice.
    writeControlFile(box.workDir, runId, first);
    await waitFor(() => !controlFileExists(box.workDir, runId));
    expect(run.child.exitCode).toBeNull();
    writeControlFile(box.workDir, runId, { signal: 'TERM', by: 'alice@login2', reason: null });
    const result = await run.done;
    expect(statusOf(result)).toBe(143);
    expect(recorded()).toBe(`SIG${signal}\nSIGTERM\n`);
    expect(box.marker().data).toMatchObject({ status: 'terminated', stopped_by: 'alice@login2', stop_reason: null });
  });

  test('a control file naming another run id is ignored (with a warning) and left in place', async () => {
    const run = await startJob('r1');
    writeControlFile(box.workDir, 'r1', { run_id: 'r2' });
    await waitFor(() => run.stderr().includes('ignoring the control file'));
    expect(run.stderr()).toContain('it is for run r2, this is run r1');
    expect(controlFileExists(box.workDir, 'r1')).toBe(true);
    expect(run.child.exitCode).toBeNull();
    expect(recorded()).toBe('');
    writeControlFile(box.workDir, 'r1');
    expect(statusOf(await run.done)).toBe(143);
    expect(recorded()).toBe('SIGTERM\n');
  });

  test('a stale control file from before the run started is ignored; a broken one too; a fresh one then acts', async () => {
    writeControlFile(box.workDir, 'r1', { at: new Date(Date.now() - 3600_000).toISOString() });
    const run = await startJob('r1');
    await waitFor(() => run.stderr().includes('stale'));
    expect(controlFileExists(box.workDir, 'r1')).toBe(true);
    expect(run.child.exitCode).toBeNull();
    writeControlFile(box.workDir, 'r1', { signal: 'KILL' as never });
    await waitFor(() => run.stderr().includes('is not one of TERM, INT, USR1, USR2'));
    expect(run.child.exitCode).toBeNull();
    expect(recorded()).toBe('');
    writeControlFile(box.workDir, 'r1', { signal: 'INT' });
    expect(statusOf(await run.done)).toBe(130);
    expect(box.marker().data).toMatchObject({ status: 'terminated', signal: 'SIGINT', stopped_by: 'tester@login1' });
  });

  test('a run that ends on its own carries no stopped_by', async () => {
    const result = await box.run(['--work-dir', box.workDir, '--quiet', '--run-id', 'r1', '--command', 'exit 0']);
    expect(statusOf(result)).toBe(0);
    const marker = box.marker().data;
    expect(marker).not.toHaveProperty('stopped_by');
    expect(marker).not.toHaveProperty('attempts');
  });
});
