import type { Logger } from '../common/logger.js';
import { ago, cut, paint, shortDuration, useColor, width, type Colour } from './format.js';
import { collectRuns, runLabel, type RunRow, type RunState } from './runs.js';

const STATE_TEXT: Record<RunState, string> = {
  running: 'running',
  stalled: 'stalled',
  gpu_idle: 'gpu idle',
  delivering: 'delivering',
  delivered: 'delivered',
  delivery_failing: 'delivery failing',
  lost: 'lost',
};

const STATE_COLOUR: Record<RunState, Colour> = {
  running: 'green',
  stalled: 'yellow',
  gpu_idle: 'yellow',
  delivering: 'cyan',
  delivered: 'dim',
  delivery_failing: 'red',
  lost: 'red',
};

/** The GPU column: mean utilisation and memory used over the run's GPUs, e.g. `93% 68.6G` or `2×N/A`. */
export function gpuCell(row: RunRow): string {
  if (row.gpus.length === 0) return '-';
  const utils = row.gpus.map((g) => g.utilization_pct).filter((u): u is number => u !== null);
  const used = row.gpus.map((g) => g.memory_used_mib).filter((m): m is number => m !== null);
  const count = row.gpus.length > 1 ? `${row.gpus.length}×` : '';
  const util = utils.length ? `${Math.round(utils.reduce((a, b) => a + b, 0) / utils.length)}%` : 'N/A';
  const mem = used.length ? ` ${(used.reduce((a, b) => a + b, 0) / 1024).toFixed(1)}G` : '';
  return `${count}${util}${mem}`;
}

// The state column; an ended run also shows how it ended.
function stateCell(row: RunRow): string {
  const base = STATE_TEXT[row.state];
  if (row.status && row.state !== 'lost') {
    return `${base} (${row.status}${row.exit_code !== null && row.exit_code !== 0 ? ` ${row.exit_code}` : ''})`;
  }
  return row.attempt && row.max_attempts && row.max_attempts > 1 ? `${base} (${row.attempt}/${row.max_attempts})` : base;
}

/** The table: one line per run; the last column (the log's last line) is cut to `columns`. */
export function renderStatusTable(rows: RunRow[], options: { columns: number; color: boolean; nowMs: number }): string {
  if (rows.length === 0) {
    return 'no runs found (the wrapper registers each run in the spool; try --all for finished ones, or --work-dir DIR)';
  }
  const header = ['RUN', 'JOB', 'HOST', 'STATE', 'ELAPSED', 'OUTPUT', 'GPU', 'LAST LINE'];
  const cells = rows.map((r) => [
    cut(runLabel(r), 28), r.job_id ?? '-', cut(r.host || '-', 16), stateCell(r), shortDuration(r.elapsed_s),
    r.last_output_age_s === null ? '-' : ago(r.last_output_age_s, options.nowMs), gpuCell(r), r.last_line ?? '',
  ]);
  const widths = header.slice(0, -1).map((h, i) => Math.max(width(h), ...cells.map((c) => width(c[i]))));
  const pad = (text: string, w: number) => text + ' '.repeat(Math.max(0, w - width(text)));
  const lead = widths.reduce((a, b) => a + b + 2, 0);
  const room = Math.max(10, options.columns - lead);
  const line = (c: string[], row?: RunRow) =>
    c.slice(0, -1).map((text, i) => {
      const padded = pad(text, widths[i]);
      return i === 3 && row ? paint(padded, STATE_COLOUR[row.state], options.color) : padded;
    }).join('  ') + `  ${cut(c[c.length - 1], room)}`;
  return [paint(line(header).trimEnd(), 'bold', options.color), ...cells.map((c, i) => line(c, rows[i]).trimEnd())].join('\n');
}

/** `train-monitor status`: the table (or JSON) of the user's runs; exit 0. */
export async function runStatus(
  args: { json: boolean; all: boolean; workDirs: string[] },
  io: { env: NodeJS.ProcessEnv; logger: Logger; stdout: NodeJS.WriteStream },
): Promise<number> {
  const nowMs = Date.now();
  const rows = await collectRuns({ env: io.env, all: args.all, workDirs: args.workDirs.length ? args.workDirs : undefined, nowMs });
  if (args.json) {
    io.logger.out(JSON.stringify(rows, null, 2));
    return 0;
  }
  const columns = io.stdout.isTTY && io.stdout.columns ? io.stdout.columns : Number(io.env.COLUMNS) || 160;
  io.logger.out(renderStatusTable(rows, { columns, color: useColor(io.stdout, io.env), nowMs }));
  return 0;
}
