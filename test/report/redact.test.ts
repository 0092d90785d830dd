import { redactReport } from '../../lib/report/redact.js';
import { createRedactor } from '../../lib/config/redact.js';
import type { Report } from '../../lib/report/types.js';
import type { Marker } from '../../lib/common/marker.js';

const SECRET = 'sk-live-9f8e7d6c5b4a';

test('a secret echoed by the command or the log never leaves in a report or its marker', () => {
  const marker = {
    status: 'failed', command: `python train.py --key ${SECRET}`, slurm: null, gpus: [], log_file: 'logs/a.log',
  } as unknown as Marker;
  const report: Report = {
    status: 'failed',
    severity: 'error',
    language: 'en',
    title: `failed · ${SECRET}`,
    summary: [['Command', marker.command]],
    errorExcerpt: [`KeyError: '${SECRET}'`],
    logTail: [`using key ${SECRET}`, 'done'],
    logNote: null,
    marker,
    digest: { array_job_id: '1', counts: { failed: 1 }, failed_task_ids: ['1'], markers: [marker] },
  };
  const safe = redactReport(report, createRedactor([SECRET]));
  expect(JSON.stringify(safe)).not.toContain(SECRET);
  expect(safe.logTail).toEqual(['using key ***', 'done']);
  expect(safe.marker.command).toBe('python train.py --key ***');
  expect(safe.marker.slurm).toBeNull();
  expect(report.logTail[0]).toContain(SECRET);
});
