import type { Language } from '../config/types.js';
import type { ReportStatus } from '../common/marker.js';

const EN = {
  'status.success': 'success',
  'status.failed': 'failed',
  'status.terminated': 'terminated',
  'status.timeout': 'timeout',
  'status.lost': 'lost',
  'label.status': 'Status',
  'label.exit_code': 'Exit code',
  'label.signal': 'Signal',
  'label.command': 'Command',
  'label.run_id': 'Run id',
  'label.host': 'Host',
  'label.user': 'User',
  'label.work_dir': 'Work dir',
  'label.log_file': 'Log file',
  'label.started': 'Started',
  'label.ended': 'Ended',
  'label.duration': 'Duration',
  'label.slurm_job': 'Slurm job',
  'label.array_task': 'Array task',
  'label.job_name': 'Job name',
  'label.partition': 'Partition',
  'label.nodes': 'Nodes',
  'label.restarts': 'Restarts',
  'label.scheduler_state': 'Scheduler state',
  'label.scheduler_note': 'Scheduler note',
  'label.gpu': 'GPU {index}',
  'label.gpus': 'GPUs',
  'label.array_job': 'Array job',
  'label.tasks': 'Tasks',
  'label.counts': 'Results',
  'label.failed_tasks': 'Failed tasks',
  'label.first_failure': 'First failure',
  'section.error': 'Error',
  'section.log_tail': 'Last {n} lines of the log',
  'section.log_tail_of': 'Last {n} lines of the log of task {task}',
  'note.no_log_file': 'The run recorded no log file.',
  'note.outside_work_dir': 'The log file {path} is outside the work dir; its content is left out.',
  'note.missing': 'The log file {path} was not found.',
  'note.unreadable': 'The log file {path} could not be read ({detail}).',
  'note.not_a_file': 'The log file {path} is not a regular file; its content is left out.',
  'note.empty': 'The log file {path} is empty.',
  'render.lines_omitted': '… {n} earlier lines omitted',
  'render.excerpt_omitted': '… {n} lines omitted',
  'render.summary_omitted': '… {n} more facts omitted',
  'gpu.one': '{name} peak {peak}/{total} MiB, mean {util}%',
  'gpu.many': '{count}× {name}, highest peak {peak}/{total} MiB, mean {util}%',
  'value.array': '{job} (array {array}_{task})',
  'title.array': 'array {id}',
  'title.tasks_ok': '{ok}/{total} ok',
  'count.item': '{emoji} {word} {n}',
  'duration.h': '{h}h {m}m {s}s',
  'duration.m': '{m}m {s}s',
  'duration.s': '{s}s',
  'list.separator': ', ',
  'punct.colon': ': ',
  'value.task_status': '{task} ({status})',
  // In-run reports (stall, idle GPUs, output back).
  'status.stalled': 'stalled',
  'status.gpu_idle': 'GPUs idle',
  'status.resumed': 'resumed',
  'label.silent_for': 'No output for',
  'label.idle_for': 'Idle for',
  'label.log_bytes': 'Log size',
  'label.attempt': 'Attempt',
  'label.gpus_now': 'GPUs now',
  'value.gpu_now': 'GPU {index}: {util}, {used}/{total} MiB',
  'value.bytes': '{n} bytes',
  'note.stalled': 'The heartbeat is alive but the log has not grown for {duration} (threshold {threshold}). The run may be hung (data loader, NCCL collective).',
  'note.gpu_idle': 'Every GPU of the run has been under {threshold}% utilisation for {duration} while the run is alive.',
  'note.resumed': 'Output came back after {duration} of silence.',
} as const;

export type MessageKey = keyof typeof EN;
type Messages = Record<MessageKey, string>;

const ZH: Messages = {
  'status.success': '成功',
  'status.failed': '失败',
  'status.terminated': '被终止',
  'status.timeout': '超时',
  'status.lost': '失联',
  'label.status': '状态',
  'label.exit_code': '退出码',
  'label.signal': '信号',
  'label.command': '命令',
  'label.run_id': '运行 ID',
  'label.host': '主机',
  'label.user': '用户',
  'label.work_dir': '工作目录',
  'label.log_file': '日志文件',
  'label.started': '开始时间',
  'label.ended': '结束时间',
  'label.duration': '运行时长',
  'label.slurm_job': 'Slurm 作业',
  'label.array_task': '数组任务',
  'label.job_name': '作业名',
  'label.partition': '分区',
  'label.nodes': '节点',
  'label.restarts': '重新排队次数',
  'label.scheduler_state': '调度器状态',
  'label.scheduler_note': '调度器说明',
  'label.gpu': 'GPU {index}',
  'label.gpus': 'GPU',
  'label.array_job': '数组作业',
  'label.tasks': '任务数',
  'label.counts': '结果',
  'label.failed_tasks': '失败的任务',
  'label.first_failure': '首个失败',
  'section.error': '错误',
  'section.log_tail': '日志最后 {n} 行',
  'section.log_tail_of': '任务 {task} 的日志最后 {n} 行',
  'note.no_log_file': '本次运行没有记录日志文件。',
  'note.outside_work_dir': '日志文件 {path} 不在工作目录内，未包含其内容。',
  'note.missing': '找不到日志文件 {path}。',
  'note.unreadable': '无法读取日志文件 {path}（{detail}）。',
  'note.not_a_file': '日志文件 {path} 不是普通文件，未包含其内容。',
  'note.empty': '日志文件 {path} 为空。',
  'render.lines_omitted': '… 省略了前面 {n} 行',
  'render.excerpt_omitted': '… 省略了 {n} 行',
  'render.summary_omitted': '… 省略了另外 {n} 项',
  'gpu.one': '{name} 显存峰值 {peak}/{total} MiB，平均利用率 {util}%',
  'gpu.many': '{count}× {name}，最高显存峰值 {peak}/{total} MiB，平均利用率 {util}%',
  'value.array': '{job}（数组 {array}_{task}）',
  'title.array': '数组 {id}',
  'title.tasks_ok': '{ok}/{total} 成功',
  'count.item': '{emoji} {word} {n}',
  'duration.h': '{h}小时{m}分{s}秒',
  'duration.m': '{m}分{s}秒',
  'duration.s': '{s}秒',
  'list.separator': '、',
  'punct.colon': '：',
  'value.task_status': '{task}（{status}）',
  'status.stalled': '停滞',
  'status.gpu_idle': 'GPU 空闲',
  'status.resumed': '已恢复',
  'label.silent_for': '无输出时长',
  'label.idle_for': '空闲时长',
  'label.log_bytes': '日志大小',
  'label.attempt': '尝试次数',
  'label.gpus_now': '当前 GPU',
  'value.gpu_now': 'GPU {index}：{util}，{used}/{total} MiB',
  'value.bytes': '{n} 字节',
  'note.stalled': '心跳仍在更新，但日志已 {duration} 没有增长（阈值 {threshold}）。训练可能已卡住（数据加载器、NCCL 集合通信）。',
  'note.gpu_idle': '运行仍在进行，但其所有 GPU 的利用率已连续 {duration} 低于 {threshold}%。',
  'note.resumed': '沉默 {duration} 后输出已恢复。',
};

/** Every message in every language; the type makes a missing key a compile error, the tests check it too. */
export const MESSAGES: Record<Language, Messages> = { en: EN, zh: ZH };

export const STATUS_EMOJI: Record<ReportStatus, string> = {
  success: '✅',
  failed: '❌',
  terminated: '⚠️',
  timeout: '⏰',
  lost: '💀',
  stalled: '⏸️',
  gpu_idle: '💤',
  resumed: '▶️',
};

/** The message for `key` in `language` with `{name}` placeholders filled in. */
export function translate(language: Language, key: MessageKey, params: Record<string, string | number> = {}): string {
  const template = (MESSAGES[language] ?? EN)[key];
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** `❌ failed` / `❌ 失败`. */
export function statusLabel(language: Language, status: ReportStatus): string {
  return `${STATUS_EMOJI[status]} ${translate(language, `status.${status}` as MessageKey)}`;
}

/** Seconds as `1h 02m 03s` or `1小时02分03秒`. */
export function formatDurationIn(language: Language, totalSeconds: number): string {
  const s = Math.max(0, Math.round(totalSeconds));
  const pad = (n: number) => String(n).padStart(2, '0');
  const [h, m, sec] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  if (h > 0) return translate(language, 'duration.h', { h, m: pad(m), s: pad(sec) });
  if (m > 0) return translate(language, 'duration.m', { m, s: pad(sec) });
  return translate(language, 'duration.s', { s: sec });
}
