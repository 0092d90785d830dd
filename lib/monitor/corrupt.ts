import { access } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { Marker } from '../common/marker.js';
import { claimMarker, type ClaimedMarker } from '../delivery/claim.js';
import { readSetAsideState, updateSetAsideState, type SetAside } from '../delivery/set-aside-state.js';
import { sendToChannels } from '../ops/send.js';
import type { Report } from '../report/types.js';
import type { MonitorContext } from './context.js';

/** A marker that could not be parsed: its path and the work dir it was found for. */
export interface CorruptFile {
  path: string;
  workDir: string | null;
  /** Nothing will make it readable (over 1 MB, not a plain file): set aside at once. */
  final?: boolean;
}

const exists = (path: string) => access(path).then(() => true, () => false);

/**
 * Unreadable markers get `monitor.corrupt_grace` (a non-atomic writer, such as the earlier Python tool, may still be
 * writing): within it they are left alone and not counted as failures; after it they are set aside as `*.bad`, and
 * one warning report names the work dir and the file, retried on later passes until every channel took it.
 * Returns how many were set aside, how many wait, and markers that turned readable once claimed.
 */
export async function handleCorruptMarkers(
  files: CorruptFile[],
  ctx: MonitorContext,
): Promise<{ setAside: number; waiting: number; claimed: ClaimedMarker[] }> {
  const state = await readSetAsideState(ctx.env);
  if (files.length === 0 && Object.keys(state.pending).length === 0 && Object.keys(state.seen).length === 0) {
    return { setAside: 0, waiting: 0, claimed: [] };
  }
  const now = ctx.now();
  const graceMs = (ctx.config.monitor.corrupt_grace_s ?? 120) * 1000;
  const out = { setAside: 0, waiting: 0, claimed: [] as ClaimedMarker[] };
  for (const f of files) {
    const first = state.seen[f.path] ?? now;
    state.seen[f.path] = first;
    const ageS = Math.round((now - first) / 1000);
    if (!f.final && now - first < graceMs) {
      out.waiting += 1;
      ctx.warnOnce(
        `corrupt-wait:${f.path}`,
        `${f.path} cannot be read yet (first seen ${ageS} s ago); ` +
          `waiting up to ${graceMs / 1000} s (monitor.corrupt_grace) for its writer to finish`,
      );
      continue;
    }
    const result = await claimMarker(f.path, f.workDir, ctx);
    if (result.kind === 'claimed') out.claimed.push(result.item);
    if (result.kind !== 'bad') continue;
    out.setAside += 1;
    delete state.seen[f.path];
    state.pending[result.badPath] = {
      markerPath: f.path,
      badPath: result.badPath,
      reason: result.reason,
      workDir: f.workDir ?? dirname(f.path),
      at: now,
      delivered: [],
    };
  }
  // A marker that became readable, or went away, is forgotten.
  const current = new Set(files.map((f) => f.path));
  for (const path of Object.keys(state.seen)) if (!current.has(path) && !(await exists(path))) delete state.seen[path];
  const attemptedBefore = new Map(Object.values(state.pending).map((p) => [p.badPath, p.delivered.length]));
  for (const pending of Object.values(state.pending)) {
    const result = await sendToChannels(setAsideReport(pending, ctx), pending.delivered, ctx);
    pending.delivered.push(...result.ok);
    if (result.failures.length === 0) delete state.pending[pending.badPath];
    else {
      ctx.warnOnce(
        `corrupt-report:${pending.badPath}:${result.failures.join()}`,
        `the warning about ${pending.badPath} was not delivered (${result.failures.join('; ')}); retried next pass`,
      );
    }
  }
  // Under the lock, on what is there now: a wrapper's --notify may have added a set-aside marker meanwhile.
  const sent = new Map(Object.values(state.pending).map((p) => [p.badPath, p]));
  await updateSetAsideState(ctx.env, (fresh) => {
    fresh.seen = state.seen;
    for (const [badPath, attempted] of attemptedBefore) {
      const kept = sent.get(badPath);
      if (kept) fresh.pending[badPath] = kept;
      else if (fresh.pending[badPath]?.delivered.length === attempted) delete fresh.pending[badPath];
    }
  }).catch((error: unknown) => {
    ctx.logger.warn(`cannot record unreadable markers in the state dir (${(error as Error).message})`);
  });
  return out;
}

// The one warning report for a marker set aside: which work dir, which file, why; nothing of the run is known.
function setAsideReport(p: SetAside, ctx: MonitorContext): Report {
  const zh = ctx.config.report.language === 'zh';
  const dirName = basename(p.workDir) || p.workDir;
  const head = p.kind === 'report'
    ? zh ? '⚠️ 报告无法生成' : '⚠️ report could not be built'
    : zh ? '⚠️ 完成标记无法读取' : '⚠️ unreadable marker';
  const marker = {
    timestamp: '', status: 'failed', exit_code: null, log_file: null, schema: 1, signal: null, run_id: null, command: '',
    work_dir: p.workDir, host: null, user: null, pid: null, started_at: null, ended_at: null, duration_s: null, slurm: null,
    gpus: [], wrapper_version: null,
  } as unknown as Marker;
  return {
    status: 'failed',
    severity: 'warning',
    language: ctx.config.report.language,
    title: `${head} · ${dirName}`,
    titleParts: [head, dirName],
    reason: p.kind === 'report'
      ? zh
        ? `${p.markerPath} 的报告无法生成（${p.reason}），已移到 ${basename(p.badPath)}`
        : `the report of ${p.markerPath} could not be built (${p.reason}); moved to ${basename(p.badPath)}`
      : zh
        ? `${p.markerPath} 无法解析（${p.reason}），已移到 ${basename(p.badPath)}`
        : `${p.markerPath} could not be parsed (${p.reason}); moved to ${basename(p.badPath)}`,
    summary: [
      ...(zh
        ? [['工作目录', p.workDir], ['文件', p.badPath], ['原因', p.reason]]
        : [['Work dir', p.workDir], ['File', p.badPath], ['Why', p.reason]]),
      ...(p.runId ? [[zh ? '运行' : 'Run', p.runId]] : []),
      ...(p.status ? [[zh ? '标记中的状态' : 'Status in the marker', p.status]] : []),
      zh ? ['说明', '这个作业的结束状态未知：请查看它的日志或 sacct'] : ['Note', "this job's end is unknown: check its log or sacct"],
    ] as Array<[string, string]>,
    errorExcerpt: [],
    logTail: [],
    logNote: null,
    marker,
  };
}
