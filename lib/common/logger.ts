/** The one logger: messages and warnings to stderr with the program's prefix, reports to stdout. */
export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** Report text for the user's terminal or pipe: stdout, never prefixed. */
  out(text: string): void;
}

/** Structured context of a line: shown as JSON fields with `--log-format json`, left out of text lines. */
export type LogFields = Record<string, unknown>;

/** `text`: `[program] warning: …` lines; `json`: one object per line with time, level, program, message and fields. */
export type LogFormat = 'text' | 'json';

export const LOG_FORMATS: readonly LogFormat[] = ['text', 'json'];

export interface LoggerOptions {
  prefix: string;
  quiet?: boolean;
  format?: LogFormat;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  now?: () => Date;
}

type Level = 'info' | 'warning' | 'error';

/** The format `HPC_RUN_LOG_FORMAT` asks for; anything but `json` reads as text (the flag table validates values). */
export function logFormatFromEnv(env: NodeJS.ProcessEnv = process.env): LogFormat {
  return env.HPC_RUN_LOG_FORMAT?.trim().toLowerCase() === 'json' ? 'json' : 'text';
}

/** One of the program's own lines in the chosen format, newline included. */
export function formatLogLine(
  format: LogFormat,
  prefix: string,
  level: Level,
  message: string,
  fields?: LogFields,
  at = new Date(),
): string {
  if (format === 'json') return `${JSON.stringify({ time: at.toISOString(), level, program: prefix, message, ...fields })}\n`;
  return `[${prefix}] ${level === 'info' ? '' : `${level}: `}${message}\n`;
}

export function createLogger(options: LoggerOptions): Logger {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const format = options.format ?? logFormatFromEnv();
  const now = options.now ?? (() => new Date());
  ignoreBrokenPipe(stdout);
  ignoreBrokenPipe(stderr);
  const line = (level: Level, message: string, fields?: LogFields) =>
    stderr.write(formatLogLine(format, options.prefix, level, message, fields, now()));
  return {
    info: (message, fields) => {
      if (!options.quiet) line('info', message, fields);
    },
    warn: (message, fields) => line('warning', message, fields),
    error: (message, fields) => line('error', message, fields),
    out: (text) => {
      stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    },
  };
}

const guarded = new WeakSet<NodeJS.WritableStream>();

// `train-monitor doctor | head` closes the pipe early: that is the reader's choice, not an error of ours.
function ignoreBrokenPipe(stream: NodeJS.WritableStream): void {
  if (guarded.has(stream)) return;
  guarded.add(stream);
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
}
