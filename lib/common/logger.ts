/** The one logger: messages and warnings to stderr with the program's prefix, reports to stdout. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** Report text for the user's terminal or pipe: stdout, never prefixed. */
  out(text: string): void;
}

export interface LoggerOptions {
  prefix: string;
  quiet?: boolean;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  ignoreBrokenPipe(stdout);
  ignoreBrokenPipe(stderr);
  const line = (level: string, message: string) => stderr.write(`[${options.prefix}] ${level}${message}\n`);
  return {
    info: (message) => {
      if (!options.quiet) line('', message);
    },
    warn: (message) => line('warning: ', message),
    error: (message) => line('error: ', message),
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
