import { resolve } from 'node:path';
import { FlagError } from '../common/errors.js';
import type { ServeSettings } from '../serve/settings.js';
import type { FlagValues } from '../cli/flag-values.js';

/** How the monitor runs: one pass (cron), a polling loop, or chokidar events plus periodic passes. */
export type MonitorMode = 'once' | 'interval' | 'watch';

/** The main command's options after validation; durations in seconds, dirs absolute. Unset values fall back to the config. */
export interface MonitorArgs {
  kind: 'monitor';
  workDirs: string[];
  mode: MonitorMode;
  intervalS?: number;
  staleAfterS?: number;
  dryRun: boolean;
  poll: boolean;
  configPath?: string;
  quiet: boolean;
  /** Informational lines about how the command line was read (e.g. --interval ignored with --once). */
  notes: string[];
  /** `--serve PORT`: the status server beside the passes (long-running monitors only). */
  serve?: ServeSettings | null;
}

/** Checks values and contradictions of the main command, naming the flag or variable that gave a bad value. */
export function normalizeMonitorArgs(values: FlagValues, cwd: string, configPath: string | undefined): MonitorArgs {
  const once = values.bool('once').value;
  const watch = values.bool('watch').value;
  if (once && watch) throw new FlagError('E_FLAG_CONFLICT', '--once and --watch cannot be combined: --once does one pass and exits');
  const interval = values.duration('interval');
  const notes: string[] = [];
  // The earlier tool's cron lines say `--once --interval 60`: one pass wins, and the note says so (not with --quiet).
  if (once && interval?.source.kind === 'flag') notes.push('--once: one pass, then exit; --interval is ignored');
  const workDirs = (values.list('work-dir')?.value ?? []).map((d) => resolve(cwd, d));
  return {
    kind: 'monitor',
    workDirs: [...new Set(workDirs)],
    mode: once ? 'once' : watch ? 'watch' : 'interval',
    intervalS: interval?.value,
    staleAfterS: values.duration('stale-after')?.value,
    dryRun: values.bool('dry-run').value,
    poll: values.bool('poll').value,
    configPath,
    quiet: values.bool('quiet').value,
    notes,
  };
}
