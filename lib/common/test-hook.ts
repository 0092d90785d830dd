import { writeSync } from 'node:fs';
import { InternalError } from './errors.js';

// Each step pauses once per process.
const paused = new Set<string>();

/**
 * Test hook: with `HPC_RUN_TEST_PAUSE_AT=<step>` the process says `test pause at <step>` on stderr and stops itself
 * (SIGSTOP) at that named step (the first time it gets there), so a test can SIGKILL or SIGCONT it at exactly that
 * point. A no-op otherwise.
 */
export function pauseAt(step: string): void {
  const wanted = process.env.HPC_RUN_TEST_PAUSE_AT;
  if (!wanted || !wanted.split(',').includes(step) || paused.has(step)) return;
  paused.add(step);
  writeSync(2, `test pause at ${step} (pid ${process.pid})\n`);
  process.kill(process.pid, 'SIGSTOP');
}

/**
 * Test hook: with `HPC_RUN_TEST_FAIL_AT=<step>` the named step throws, as a bug or a hostile input would make it
 * (e.g. `build-report`: a marker whose report cannot be built). A no-op otherwise.
 */
export function failAt(step: string): void {
  const wanted = process.env.HPC_RUN_TEST_FAIL_AT;
  if (wanted && wanted.split(',').includes(step)) throw new InternalError('E_TEST_FAIL_AT', `test failure at ${step}`);
}
