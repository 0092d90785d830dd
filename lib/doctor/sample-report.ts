import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { Marker } from '../common/marker.js';
import { isoLocal, logFileName, seedTimestamp } from '../common/paths.js';
import { VERSION } from '../common/version.js';
import type { Language, ReportConfig } from '../config/types.js';
import { buildReport } from '../report/build.js';
import { translate } from '../report/i18n.js';
import { joinTitle, testTitleParts } from '../report/title.js';
import type { Report } from '../report/types.js';

// The sample run's log: its first and last lines in the report's language, training lines between.
function sampleLog(language: Language): string[] {
  return [
    translate(language, 'sample.first_line'),
    'epoch 1/3  loss=0.912  acc=0.61',
    'epoch 2/3  loss=0.533  acc=0.78',
    'epoch 3/3  loss=0.301  acc=0.88',
    'saved checkpoint to checkpoints/last.pt',
    translate(language, 'sample.last_line'),
  ];
}
/**
 * The report `train-monitor test` sends: a successful three-minute run, built by the real report builder from
 * a small log written to a temporary work dir (removed afterwards), so every channel gets a realistic layout.
 * It says it is a test, in the report's language: the title (`🔔 test message · hpc-run`) and the line under it.
 */
export async function buildSampleReport(reportConfig: Partial<ReportConfig>): Promise<Report> {
  const workDir = await mkdtemp(join(tmpdir(), 'hpc-run-sample-'));
  try {
    const ended = new Date();
    const started = new Date(ended.getTime() - 180_000);
    const logFile = join('logs', logFileName(started, 'test'));
    await mkdir(join(workDir, 'logs'));
    const language = reportConfig.language ?? 'en';
    await writeFile(join(workDir, logFile), `${sampleLog(language).join('\n')}\n`);
    const marker = sampleMarker(workDir, logFile, started, ended);
    const report = await buildReport(marker, { workDir, report: reportConfig });
    const titleParts = testTitleParts(language);
    return { ...report, title: joinTitle(titleParts), titleParts, reason: translate(language, 'reason.test'), test: true };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

// A marker as the wrapper would write it for the sample run.
function sampleMarker(workDir: string, logFile: string, started: Date, ended: Date): Marker {
  return {
    timestamp: seedTimestamp(ended),
    status: 'success',
    exit_code: 0,
    log_file: logFile,
    schema: 1,
    signal: null,
    run_id: 'test',
    command: 'python train.py --epochs 3',
    work_dir: workDir,
    host: hostname(),
    user: safeUser(),
    pid: process.pid,
    started_at: isoLocal(started),
    ended_at: isoLocal(ended),
    duration_s: 180,
    slurm: null,
    gpus: [],
    wrapper_version: VERSION,
  };
}

// The login name, or a neutral word where the user database cannot be read.
function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'user';
  }
}
