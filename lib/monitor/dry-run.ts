import type { Report } from '../report/types.js';
import type { MonitorContext } from './context.js';

/** Prints a report as the console channel lays it out, for `--dry-run` (nothing is sent, claimed or deleted). */
export async function printDryRun(report: Report, ctx: MonitorContext, where: string): Promise<void> {
  const { renderReport } = await import('../report/render.js');
  const rendered = renderReport(report, 'text', {});
  ctx.logger.out(ctx.redact(`----- dry run: ${where} -----\n${rendered.title}\n\n${rendered.body}\n`));
}
