#!/usr/bin/env node
// Runs every benchmark in turn (after `npm run build`); each prints its reference run beside ours.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const benches = ['wrapper-throughput.mjs', 'report-tail.mjs', 'startup.mjs', 'monitor-pass.mjs', 'install-size.mjs', 'ops-status.mjs', 'ops-follow.mjs', 'stop-latency.mjs', 'serve.mjs'];
// Those that call lib/ in-process load the TypeScript through tsx; the others spawn bin/ (the bundles).
const IN_PROCESS = new Set(['report-tail.mjs', 'monitor-pass.mjs', 'ops-status.mjs']);
let failed = 0;
for (const bench of benches) {
  process.stdout.write(`\n## ${bench}\n`);
  const result = spawnSync(process.execPath, [...(IN_PROCESS.has(bench) ? ['--import', 'tsx'] : []), join(here, bench), ...process.argv.slice(2)], { stdio: 'inherit' });
  if (result.status !== 0) failed += 1;
}
process.exit(failed === 0 ? 0 : 1);
