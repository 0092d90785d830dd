import { TRACEBACK_HEADER } from './clean.js';

/** The most lines an error excerpt may have. */
export const MAX_EXCERPT_LINES = 30;

export type ErrorKind =
  | 'traceback'
  | 'cuda_oom'
  | 'nccl'
  | 'oom_killed'
  | 'time_limit'
  | 'cancelled'
  | 'segfault'
  | 'bus_error'
  | 'generic';

export interface ErrorRegion {
  kind: ErrorKind;
  /** Index of the first and one past the last line of the region in the scanned lines. */
  start: number;
  end: number;
  lines: string[];
  /** The one line that says what went wrong: the exception line of a traceback, else the matching line (trimmed). */
  headline: string;
}

// Lines that identify a failure on their own, each with the lines of context kept before and after it.
const SIGNATURES: Array<{ kind: ErrorKind; pattern: RegExp; before: number; after: number }> = [
  {
    kind: 'cuda_oom',
    pattern: /CUDA out of memory|torch(?:\.cuda)?\.OutOfMemoryError|CUDA error: out of memory|CUBLAS_STATUS_ALLOC_FAILED/,
    before: 1,
    after: 2,
  },
  {
    kind: 'nccl',
    // eslint-disable-next-line max-len -- one regular expression, kept whole
    pattern: /NCCL error|ncclInternalError|ncclSystemError|ncclUnhandledCudaError|ncclRemoteError|NCCL WARN|Watchdog caught collective operation timeout/,
    before: 1,
    after: 4,
  },
  { kind: 'time_limit', pattern: /DUE TO TIME LIMIT/, before: 2, after: 2 },
  { kind: 'cancelled', pattern: /\*\*\* (?:JOB|STEP) \S+ (?:ON \S+ )?CANCELLED AT /, before: 2, after: 2 },
  {
    kind: 'oom_killed',
    pattern: /(?:^|\s)\d+\s+Killed(?:\s|$)|^Killed$|oom[-_]kill event|OOM Killed|Out of memory: Killed process/,
    before: 2,
    after: 2,
  },
  { kind: 'segfault', pattern: /Segmentation fault|core dumped|SIGSEGV/, before: 2, after: 2 },
  { kind: 'bus_error', pattern: /Bus error|SIGBUS|unexpected bus error/i, before: 2, after: 2 },
];
const GENERIC = /\b[A-Z]\w*(?:Error|Exception)\b:|(?:^|\s)(?:Error|ERROR|FATAL|Fatal error):/;
const TRACEBACK = TRACEBACK_HEADER;
// A line that starts a new log record (timestamps, glog/logging levels, Slurm, wandb) ends an exception message.
// eslint-disable-next-line max-len -- one regular expression, kept whole
const NEW_RECORD = /^(?:\[?\d{4}-\d{2}-\d{2}|\[?\d{2}:\d{2}:\d{2}|\[?[IWEF]\d{4} |(?:INFO|WARNING|WARN|ERROR|DEBUG|CRITICAL)\b|srun:|slurmstepd|wandb:|Epoch\b|epoch\b|step\b)/;
const MESSAGE_PART = /^[A-Za-z_][\w.]*(?: \w+)?:(?:\s|$)/;
/** An exception line: `RuntimeError: …`, `torch.distributed.DistBackendError: …`, `KeyboardInterrupt`. */
const EXCEPTION_LINE = /^[A-Za-z_][\w.]*(?::|$)/;
const CHAIN = /^(?:During handling of the above exception|The above exception was the direct cause)/;

/** The lines of the first recognised error region (see findErrorRegion), or none. */
export function findErrorExcerpt(lines: string[]): string[] {
  return findErrorRegion(lines)?.lines ?? [];
}

/**
 * Finds the first recognised error in the scanned lines: a Python traceback through its exception line, CUDA
 * out of memory, NCCL failures, the OOM killer, Slurm's time limit or cancellation, segfaults, bus errors;
 * failing those, the first `…Error:` line. The region is at most MAX_EXCERPT_LINES long.
 */
export function findErrorRegion(lines: string[]): ErrorRegion | null {
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].includes(TRACEBACK)) return traceback(lines, i);
    const signature = SIGNATURES.find((s) => s.pattern.test(lines[i]));
    if (signature) return around(lines, i, signature.kind, signature.before, signature.after);
  }
  const index = lines.findIndex((line) => GENERIC.test(line));
  return index >= 0 ? around(lines, index, 'generic', 1, 2) : null;
}

// The context window around a single matching line.
function around(lines: string[], index: number, kind: ErrorKind, before: number, after: number): ErrorRegion {
  const start = Math.max(0, index - before);
  let end = Math.min(lines.length, index + after + 1);
  // Trailing blank lines carry nothing.
  while (end > index + 1 && lines[end - 1].trim() === '') end--;
  return { kind, start, end, lines: lines.slice(start, end), headline: lines[index].trim() };
}

// A traceback runs from its header over indented frame lines to the first unindented line: the exception.
// Lines may carry a launcher's prefix (`[rank1]: `, `(pid=42) `), which every line of the traceback repeats.
function traceback(lines: string[], start: number): ErrorRegion {
  const prefix = lines[start].slice(0, lines[start].indexOf(TRACEBACK));
  let end = start + 1;
  let exceptionAt = -1;
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i];
    if (!line.startsWith(prefix)) continue; // another rank's interleaved output
    const body = line.slice(prefix.length);
    end = i + 1;
    if (body.trim() === '' || /^\s/.test(body)) continue;
    if (CHAIN.test(body) || body.startsWith(TRACEBACK)) continue;
    // stdout and stderr reach the log through two copiers, so a printed line can land inside the traceback: one
    // that does not read as an exception, with frames or the exception still to come, is passed over.
    if (!EXCEPTION_LINE.test(body) && tracebackGoesOn(lines, i + 1, prefix)) continue;
    exceptionAt = i;
    break;
  }
  if (exceptionAt >= 0) {
    // Multi-line exception messages (NCCL's `ncclInternalError: …`, `Last error:`): follow them until a blank line.
    // A continuation is another `name: message` line, or follows a line that ends with a colon.
    let previous = lines[exceptionAt];
    for (let i = exceptionAt + 1; i < lines.length && i <= exceptionAt + 4; i++) {
      const body = lines[i].startsWith(prefix) ? lines[i].slice(prefix.length) : null;
      if (body === null || body.trim() === '' || body.includes(TRACEBACK) || NEW_RECORD.test(body) || CHAIN.test(body)) break;
      if (!MESSAGE_PART.test(body) && !previous.trimEnd().endsWith(':')) break;
      end = i + 1;
      previous = body;
    }
  }
  const all = lines.slice(start, end).filter((line) => line.startsWith(prefix));
  const headline = (exceptionAt >= 0 ? lines[exceptionAt] : all[all.length - 1]).slice(prefix.length).trim();
  return { kind: 'traceback', start, end, lines: boundTraceback(all), headline };
}

// Whether the next line of the same prefix (blank ones skipped) is a frame, another header or an exception.
function tracebackGoesOn(lines: string[], from: number, prefix: string): boolean {
  for (let i = from; i < lines.length; i++) {
    if (!lines[i].startsWith(prefix)) continue;
    const body = lines[i].slice(prefix.length);
    if (body.trim() === '') continue;
    return /^\s/.test(body) || body.startsWith(TRACEBACK) || EXCEPTION_LINE.test(body);
  }
  return false;
}

// Keeps the header and the innermost frames plus the exception when a traceback is too long.
function boundTraceback(lines: string[]): string[] {
  if (lines.length <= MAX_EXCERPT_LINES) return lines;
  return [lines[0], '…', ...lines.slice(lines.length - (MAX_EXCERPT_LINES - 2))];
}
