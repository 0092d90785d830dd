import { realpath } from 'node:fs/promises';
import type { Config } from '../config/types.js';
import type { Logger } from '../common/logger.js';
import type { Marker } from '../common/marker.js';

/** The longest an `attempt_failed` report may take to reach the channels; later answers are not waited for. */
export const ATTEMPT_NOTIFY_TIMEOUT_MS = 10_000;

/**
 * `train.notify_each_attempt` with `--notify`: builds the `attempt_failed` report of the attempt that just failed
 * (reading the log before the next attempt writes to it) and starts sending it. Resolves once the report is
 * built; the returned `sent` settles when every channel answered or ATTEMPT_NOTIFY_TIMEOUT_MS passed. Nothing
 * here throws or changes the run: a failure is one warning.
 */
export async function startAttemptNotice(input: {
  marker: Marker;
  attempt: number;
  of: number;
  nextInS: number;
  workDir: string;
  /** The log this wrapper writes (it may lie outside the work dir: `--log-dir`). */
  logPath: string;
  config: Config;
  logger: Logger;
  env: NodeJS.ProcessEnv;
}): Promise<{ sent: Promise<void> }> {
  const { logger } = input;
  const warn = (why: string) => logger.warn(`report of failed attempt ${input.attempt} not delivered (${why}); the run goes on`);
  try {
    const [{ buildAttemptFailedReport }, { createRedactor }, { deliverAttemptNow }] = await Promise.all([
      import('../report/attempt-failed.js'), import('../config/redact.js'), import('../delivery/deliver-event.js'),
    ]);
    const report = await buildAttemptFailedReport(input.marker, { attempt: input.attempt, of: input.of, nextInS: input.nextInS }, {
      workDir: input.workDir, report: input.config.report, outsideLog: () => realpath(input.logPath),
    });
    const sent = deliverAttemptNow(report, {
      marker: input.marker, attempt: input.attempt, config: input.config, logger, env: input.env,
      redact: createRedactor(input.config.secrets), timeoutMs: ATTEMPT_NOTIFY_TIMEOUT_MS,
    }).then((outcome) => {
      if (outcome.delivered) logger.info(`report of failed attempt ${input.attempt} delivered`);
      else warn(outcome.failures.join('; ') || 'unknown reason');
    });
    return { sent };
  } catch (error) {
    warn(error instanceof Error ? error.message : String(error));
    return { sent: Promise.resolve() };
  }
}
