import { join } from 'node:path';
import type { Config } from '../config/types.js';
import { errnoCode } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { Marker } from '../common/marker.js';
import { writeMarkerUnique } from './marker-writer.js';
import { removeSpoolEntry, writeMarkerToSpool } from './spool.js';

/**
 * Writes the marker into the work dir; when that keeps failing (dir gone, unwritable, disk full), into the spool,
 * saying where. Returns the marker's path, or null when it could be written nowhere (then it goes to stderr whole,
 * so the job's output file still holds the result).
 */
export async function saveMarker(input: {
  marker: Marker;
  workDir: string;
  name: string;
  key: string;
  env: NodeJS.ProcessEnv;
  logger: Logger;
}): Promise<string | null> {
  const { marker, logger } = input;
  const path = join(input.workDir, input.name);
  let reason: string;
  try {
    const written = await writeMarkerUnique(input.workDir, input.name, marker);
    if (written !== path) {
      logger.warn(`an undelivered marker of an earlier run is still at ${path}; this run's marker is ${written} (both will be reported)`);
    }
    return written;
  } catch (error) {
    reason = errnoCode(error) ?? String(error);
  }
  try {
    const spooled = await writeMarkerToSpool(marker, input.key, input.env);
    logger.error(`cannot write the marker ${path} (${reason}); wrote it to ${spooled} instead`);
    return spooled;
  } catch (error) {
    logger.error(
      `cannot write the marker ${path} (${reason}) nor into the spool (${errnoCode(error) ?? String(error)}); the marker follows`,
    );
    logger.error(JSON.stringify(marker));
    return null;
  }
}

/**
 * `--notify`: delivers the report of this run's marker from here. On success the run's spool entry goes too; on
 * failure the marker stays for a monitor and stderr says so. Never changes the exit status.
 */
export async function deliverOwnMarker(input: {
  markerPath: string;
  workDir: string;
  config: Config;
  logger: Logger;
  env: NodeJS.ProcessEnv;
  entryPath: string | null;
  /** The log's absolute real path when it lies outside the work dir, else null. */
  ownLog?: string | null;
}): Promise<void> {
  const { logger } = input;
  let outcome: { delivered: boolean; failures: string[] };
  try {
    const { createRedactor } = await import('../config/redact.js');
    const { deliverNow } = await import('../delivery/deliver-now.js');
    const redact = createRedactor(input.config.secrets);
    outcome = await deliverNow({
      markerPath: input.markerPath,
      workDir: input.workDir,
      config: input.config,
      logger,
      env: input.env,
      redact,
      ownLog: input.ownLog ?? null,
    });
  } catch (error) {
    outcome = { delivered: false, failures: [error instanceof Error ? error.message : String(error)] };
  }
  if (outcome.delivered) {
    logger.info('report delivered');
    if (input.entryPath) await removeSpoolEntry(input.entryPath);
    return;
  }
  logger.warn(
    `report not delivered (${outcome.failures.join('; ') || 'unknown reason'}); the marker stays at ${input.markerPath} for train-monitor`,
  );
}
