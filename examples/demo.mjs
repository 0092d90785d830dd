#!/usr/bin/env node
// The first Quick start command: one training run under the wrapper, then one monitor pass that prints the report.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const python = ['python3', 'python'].find((p) => spawnSync(p, ['--version']).status === 0);
if (!python) {
  process.stderr.write('demo: python3 is needed for the example training script (examples/train.py); install it and rerun.\n');
  process.exit(2);
}

const base = mkdtempSync(join(tmpdir(), 'hpc-run-demo-'));
const workDir = join(base, 'project');
const stateDir = join(base, 'state');
const configFile = join(base, 'config.yaml');
spawnSync('mkdir', ['-p', workDir]);
writeFileSync(configFile, 'notification:\n  type: console\nreport:\n  include_last_n_lines: 15\n');
const env = { ...process.env, HPC_RUN_STATE_DIR: stateDir, HPC_RUN_CONFIG: configFile };

const step = (title, bin, args) => {
  process.stdout.write(`\n$ ${title}\n`);
  const result = spawnSync(join(root, 'bin', bin), args, { stdio: 'inherit', env });
  return result.status ?? 1;
};

const trainStatus = step(
  `train-wrapper --work-dir ${workDir} -- ${python} examples/train.py --steps 15`,
  'train-wrapper',
  ['--work-dir', workDir, '--heartbeat-interval', '1', '--', python, join(root, 'examples', 'train.py'), '--steps', '15', '--sleep', '0.05'],
);
process.stdout.write(`\n(train-wrapper exited ${trainStatus}; the marker is now in ${workDir})\n`);
const monitorStatus = step(`train-monitor --once --work-dir ${workDir}`, 'train-monitor', ['--once', '--work-dir', workDir]);
process.stdout.write(`\nDemo done. Work dir: ${workDir}\nReports are also appended to ${join(stateDir, 'notifications.log')}\n`);
process.exit(monitorStatus);
