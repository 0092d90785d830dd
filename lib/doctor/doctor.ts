import { randomBytes } from 'node:crypto';
import { mkdir, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode } from '../common/errors.js';
import { findOnPath } from '../common/find-on-path.js';
import type { Logger } from '../common/logger.js';
import { spoolDir, stateDir } from '../common/paths.js';
import { checkConfig } from '../config/load.js';
import type { ChannelConfig, Config } from '../config/types.js';
import { createChannelContext, createChannels } from '../notify/create.js';
import { loadChannelModule } from '../notify/registry.js';
import { channelEndpoint } from '../notify/settings.js';
import type { Endpoint } from '../notify/types.js';
import { checkReach } from './reach.js';
import { formatCheckLine, type CheckLine } from './report-lines.js';

export interface DoctorOptions {
  configPath?: string;
  env: NodeJS.ProcessEnv;
  logger: Logger;
}

/** The scheduler commands the monitor uses when it can (a lost run's state, the job's end time). */
export const SCHEDULER_COMMANDS = ['squeue', 'sacct', 'scontrol', 'sbatch'] as const;

/**
 * `train-monitor doctor`: checks the config (every error at once), the secrets file's permissions, that the
 * state and spool dirs are writable, which scheduler commands exist, and each channel's reachability (name
 * lookup, TCP, TLS). Prints one line per check with ✓ / ✗ / ! and the fix; exit 0 when nothing failed.
 */
export async function runDoctor(options: DoctorOptions): Promise<number> {
  const lines: CheckLine[] = [];
  const print = (batch: CheckLine[]) => {
    for (const line of batch) {
      lines.push(line);
      options.logger.out(formatCheckLine(line));
    }
  };
  const checked = await checkConfig({ configPath: options.configPath, env: options.env, cwd: process.cwd() });
  print(configLines(checked));
  print(await Promise.all([dirLine('state dir', stateDir(options.env)), dirLine('spool dir', spoolDir(options.env))]));
  print([await schedulerLine(options.env)]);
  if (checked.config) {
    const perChannel = await Promise.all(checked.config.channels.map((c) => channelLines(checked.config as Config, c, options)));
    for (const batch of perChannel) print(batch);
  } else {
    print([{ mark: 'note', text: 'channels: not checked until the config loads' }]);
  }
  const failures = lines.filter((l) => l.mark === 'fail').length;
  options.logger.out(failures === 0 ? 'doctor: all checks passed' : `doctor: ${failures} problem${failures === 1 ? '' : 's'} found`);
  return failures === 0 ? 0 : 1;
}

type Checked = Awaited<ReturnType<typeof checkConfig>>;

// Every config error with its fix; the file in use; warnings (a shared secrets file fails, others are notes).
function configLines(checked: Checked): CheckLine[] {
  const lines: CheckLine[] = checked.errors.map((error) => ({
    mark: 'fail' as const,
    text: `config: ${error.message}`,
    fix: error.hint ?? 'correct the value named above (see README, Configuration)',
  }));
  for (const skipped of checked.skipped) lines.push({ mark: 'note', text: `config: skipped ${skipped.file}: ${skipped.reason}` });
  if (checked.errors.length === 0 && checked.config) {
    const names = checked.config.channels.map((c) => `${c.name} (${c.type})`).join(', ') || 'none';
    if (checked.file) lines.push({ mark: 'ok', text: `config: ${checked.file} loads; channels: ${names}` });
    if (checked.config.noChannelConfigured) lines.push(noChannelLine(checked.file));
  }
  let sharedSecrets = false;
  for (const warning of checked.warnings) {
    // A setting nothing reads (a typo) means the config does not do what it says: a failure, with the suggestion.
    const unknown = /^(.*? is not a known setting and is ignored)(?:: did you mean '([^']+)'\?)?.*?(?:\(known: (.*)\))?$/s.exec(warning);
    if (unknown) {
      const fix = unknown[2]
        ? `did you mean '${unknown[2]}'? correct the key, or remove it`
        : `remove it${unknown[3] ? ` (known: ${unknown[3]})` : ''}`;
      lines.push({ mark: 'fail', text: `config: ${unknown[1]}`, fix });
      continue;
    }
    // A readable secrets file is a failure; the warning carries its fix after `protect it:`.
    const split = /^(.*?);\s*protect it:\s*(.*)$/s.exec(warning);
    const secrets = /chmod 600/.test(warning);
    sharedSecrets ||= secrets;
    lines.push(secrets
      ? { mark: 'fail', text: `secrets: ${split ? split[1] : warning}`, fix: split ? split[2] : 'chmod 600 the file named above' }
      : { mark: 'note', text: `config: ${warning}` });
  }
  if (!sharedSecrets && checked.config) lines.push({ mark: 'ok', text: 'secrets: no secrets file readable by group or others' });
  return lines;
}

// A directory the tool writes to: created if missing, then a temporary file written and removed.
async function dirLine(label: string, dir: string): Promise<CheckLine> {
  const probe = join(dir, `.doctor-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFile(probe, 'ok\n', { mode: 0o600 });
    await unlink(probe);
    return { mark: 'ok', text: `${label}: ${dir} is writable` };
  } catch (error) {
    return {
      mark: 'fail',
      text: `${label}: ${dir} is not writable (${errnoCode(error) ?? String(error)})`,
      fix: `mkdir -p ${dir} && chmod 700 ${dir}, or set HPC_RUN_STATE_DIR to a writable directory on the shared filesystem`,
    };
  }
}

// Which Slurm commands are on PATH; missing ones are a note (fine on a machine without Slurm).
async function schedulerLine(env: NodeJS.ProcessEnv): Promise<CheckLine> {
  const found = SCHEDULER_COMMANDS.map((c) => findOnPath(c, env.PATH));
  const missing = SCHEDULER_COMMANDS.filter((_, i) => !found[i]);
  if (missing.length === 0) return { mark: 'ok', text: `scheduler: ${SCHEDULER_COMMANDS.join(', ')} found` };
  const present = SCHEDULER_COMMANDS.filter((_, i) => found[i]);
  return {
    mark: 'note',
    text: `scheduler: ${missing.join(', ')} not found${present.length ? ` (found: ${present.join(', ')})` : ''}`,
    fix:
      'fine on a machine without Slurm; on a cluster, load the Slurm module (module load slurm) ' +
      'so the monitor can ask why a run was lost',
  };
}

// One channel: its own settings (the module's checks), then where it connects.
async function channelLines(config: Config, channel: ChannelConfig, options: DoctorOptions): Promise<CheckLine[]> {
  const label = `channel ${channel.name} (${channel.type})`;
  const ctx = createChannelContext(config, options.logger, options.env);
  try {
    await createChannels({ ...config, channels: [channel], noChannelConfigured: false }, ctx);
  } catch (error) {
    const text = `${label}: ${ctx.redact(error instanceof Error ? error.message : String(error))}`;
    return [{ mark: 'fail', text, fix: hintOf(error) ?? 'correct the setting named above' }];
  }
  let endpoint: Endpoint | null;
  try {
    endpoint = channelEndpoint(channel, (await loadChannelModule(channel.type)).settings);
  } catch (error) {
    const text = `${label}: ${ctx.redact((error as Error).message)}`;
    return [{ mark: 'fail', text, fix: hintOf(error) ?? 'use a full URL such as https://host/path' }];
  }
  if (!endpoint) return [{ mark: 'ok', text: `${label}: nothing to reach (local output)` }];
  return checkReach(label, endpoint);
}

// The fix an HpcRunError carries, if any.
function hintOf(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'hint' in error ? (error as { hint?: string }).hint : undefined;
}

// No channel configured: reports would reach only the console; the fix names where a channel goes.
function noChannelLine(file: string | null): CheckLine {
  return {
    mark: 'fail',
    text:
      `channels: none configured (${file ? `${file} has no notification channel` : 'no config file found'}); ` +
      'reports only reach the console and notifications.log',
    fix:
      'add a channel under notification: in ~/.config/hpc-run/config.yaml (or pass --config FILE, or set HPC_RUN_CONFIG); ' +
      'see docs/configuration.md',
  };
}
