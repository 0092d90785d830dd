import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../helpers/run-bin.js';
import { isAlive } from '../helpers/processes.js';

// The guard without the tee shell (where there is no coreutils tee): a holder process arms it over a `sleep` in a
// group of its own, then is SIGKILLed as an OOM killer would. (With tee, test/wrapper/signals.test.ts covers it.)
const HOLDER = fileURLToPath(new URL('../fixtures/wrapper/guard-holder.ts', import.meta.url));

async function startHolder(mode: 'armed' | 'stop') {
  const args = ['--import', 'tsx', HOLDER, ...(mode === 'stop' ? ['stop'] : [])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const sleeper = Number(await waitFor(() => /^(\d+)\n/.exec(out)?.[1], 30000));
  const gone = new Promise((resolve) => child.once('exit', resolve));
  return { child, sleeper, gone };
}

describe('orphan guard (its own process)', () => {
  test('a holder killed outright takes its armed command group with it, at once', async () => {
    const { child, sleeper, gone } = await startHolder('armed');
    expect(isAlive(sleeper)).toBe(true);
    child.kill('SIGKILL');
    await gone;
    await waitFor(() => !isAlive(sleeper), 10000);
  });

  test('a stopped guard kills nothing when its holder dies afterwards', async () => {
    const { child, sleeper, gone } = await startHolder('stop');
    child.kill('SIGKILL');
    await gone;
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(isAlive(sleeper)).toBe(true);
    process.kill(sleeper, 'SIGKILL');
  });
});
