import { randomUUID } from 'node:crypto';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { controlFileName } from '../../lib/common/paths.js';
import type { ControlRequest } from '../../lib/wrapper/control.js';

/**
 * Does what `train-monitor stop` does to a run's work dir: writes the control file atomically (temp + rename),
 * with a fresh nonce unless one is given. Returns the request written.
 */
export function writeControlFile(workDir: string, runId: string | null, fields: Partial<ControlRequest> = {}): ControlRequest {
  const request: ControlRequest = {
    schema: 1,
    run_id: runId,
    signal: 'TERM',
    reason: 'test stop',
    by: 'tester@login1',
    at: new Date().toISOString(),
    nonce: randomUUID(),
    ...fields,
  };
  const path = controlFilePath(workDir, runId);
  const temp = `${path}.tmp-${process.pid}`;
  writeFileSync(temp, `${JSON.stringify(request)}\n`);
  renameSync(temp, path);
  return request;
}

/** Where a run's control file lies. */
export function controlFilePath(workDir: string, runId: string | null): string {
  return join(workDir, controlFileName(runId));
}

/** True while the run's control file exists. */
export const controlFileExists = (workDir: string, runId: string | null) => existsSync(controlFilePath(workDir, runId));
