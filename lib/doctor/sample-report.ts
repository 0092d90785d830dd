import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { Marker } from '../common/marker.js';
import { isoLocal, logFileName, seedTimestamp } from '../common/paths.js';
import { VERSION } from '../common/version.js';
import type { ReportConfig } from '../config/types.js';
import { buildReport } from '../report/build.js';
import type { Report } from '../report/types.js';

const SAMPLE_LOG = [
  '[hpc-run] this is a test message from `train-monitor test`; no job ran.',
  'epoch 1/3  loss=0.912  acc=0.61',
  'epoch 2/3  loss=0.533  acc=0.78',
  'epoch 3/3  loss=0.301  acc=0.88',
  'saved checkpoint to checkpoints/last.pt',
  '训练完成 (training finished)',
];

/**
 * The report `train-monitor test` sends: a successful three-minute run, built by the real report builder from
 * a small log written to a temporary work dir (removed afterwards), so every channel gets a realistic layout.
 */
export async function buildSampleReport(reportConfig: Partial<ReportConfig>): Promise<Report> {
  const workDir = await mkdtemp(join(tmpdir(), 'hpc-run-sample-'));
  try {
    const ended = new Date();
    const started = new Date(ended.getTime() - 180_000);
    const logFile = join('logs', logFileName(started, 'test'));
    await mkdir(join(workDir, 'logs'));
    await writeFile(join(workDir, logFile), `${SAMPLE_LOG.join('\n')}\n`);
    const marker = sampleMarker(workDir, logFile, started, ended);
    return await buildReport(marker, { workDir, report: reportConfig });
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
    command: 'python train.py --epochs 3  # hpc-run test message',
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
