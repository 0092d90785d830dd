/** Exit status for usage and configuration errors, before anything starts. */
export const EXIT_USAGE = 2;

/** Base of every error the user can fix: carries a stable `code`, an exit status and an optional fix. */
export class HpcRunError extends Error {
  readonly code: string;
  readonly exitCode: number;
  readonly hint?: string;

  constructor(code: string, message: string, options: { exitCode?: number; hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = options.exitCode ?? 1;
    this.hint = options.hint;
  }
}

/**
 * A broken invariant of the program itself (a bug, never the user's input). It carries a code like every error
 * thrown in lib/, but it is not an HpcRunError: the error boundary reports it as an internal error, with its stack.
 */
export class InternalError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = 'InternalError';
    this.code = code;
  }
}

/** A bad flag, a missing value or a contradiction on the command line. */
export class UsageError extends HpcRunError {
  constructor(message: string, hint?: string) {
    super('E_USAGE', message, { exitCode: EXIT_USAGE, hint });
  }
}

/** Where a value came from: a flag on the command line, an environment variable, or a config key. */
export interface ValueSource {
  kind: 'flag' | 'env' | 'config';
  /** `--interval`, `HPC_RUN_INTERVAL`, `train.work_dir` */
  name: string;
}

/** Codes of command-line problems: an unknown flag or command, a stray argument, a bad, missing or contradicting value. */
export type FlagErrorCode =
  | 'E_FLAG_UNKNOWN'
  | 'E_COMMAND_UNKNOWN'
  | 'E_ARG_UNEXPECTED'
  | 'E_FLAG_VALUE'
  | 'E_FLAG_MISSING'
  | 'E_FLAG_CONFLICT';

/** A command-line problem (exit 2); a bad value carries its source, so the message blames the flag, variable or key. */
export class FlagError extends HpcRunError {
  readonly source?: ValueSource;

  constructor(code: FlagErrorCode, message: string, context: { source?: ValueSource; hint?: string; cause?: unknown } = {}) {
    super(code, message, { exitCode: EXIT_USAGE, hint: context.hint, cause: context.cause });
    this.source = context.source;
  }
}

/** A configuration problem: names the file, the key and what was expected. */
export class ConfigError extends HpcRunError {
  readonly file?: string;
  readonly key?: string;

  constructor(message: string, context: { file?: string; key?: string; hint?: string; cause?: unknown } = {}) {
    const where = [context.file, context.key].filter(Boolean).join(': ');
    super('E_CONFIG', where ? `${where}: ${message}` : message, { exitCode: EXIT_USAGE, hint: context.hint, cause: context.cause });
    this.file = context.file;
    this.key = context.key;
  }
}

/** A marker or heartbeat file that cannot be parsed or misses required fields. */
export class CorruptFileError extends HpcRunError {
  readonly file: string;

  constructor(file: string, reason: string, cause?: unknown) {
    super('E_CORRUPT', `${file}: ${reason}`, { cause });
    this.file = file;
  }
}

/** Returns the errno code of a Node system error, or undefined. */
export function errnoCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : undefined;
}
