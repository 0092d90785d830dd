import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../helpers/run-bin.js';

const DIR = join(ROOT, 'examples', 'prometheus');
const hasPromtool = !spawnSync('promtool', ['--version']).error;
// .ci/run installs Debian's prometheus package (promtool); elsewhere these run only where it is installed.
const maybe = hasPromtool || process.env.CI === 'true' ? test : test.skip;

describe('examples/prometheus', () => {
  maybe('the scrape config and its alert rules pass promtool check config', () => {
    const result = spawnSync('promtool', ['check', 'config', 'prometheus.yml'], { cwd: DIR, encoding: 'utf8' });
    expect(result.stdout + result.stderr).toMatch(/SUCCESS: 5 rules found/);
    expect(result.status).toBe(0);
  });

  maybe('the alert rules file alone passes promtool check rules', () => {
    const result = spawnSync('promtool', ['check', 'rules', 'hpc-run-rules.yml'], { cwd: DIR, encoding: 'utf8' });
    expect(result.stdout + result.stderr).toMatch(/SUCCESS: 5 rules found/);
    expect(result.status).toBe(0);
  });

  maybe('the alert rules fire as their unit tests say (promtool test rules)', () => {
    const result = spawnSync('promtool', ['test', 'rules', 'hpc-run-rules.test.yml'], { cwd: DIR, encoding: 'utf8' });
    expect(result.stdout + result.stderr).toMatch(/SUCCESS/);
    expect(result.status).toBe(0);
  });
});
