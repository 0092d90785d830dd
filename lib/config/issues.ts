import { ConfigError } from '../common/errors.js';

/** A configuration file that is not valid YAML: the message reads `file:line:column: reason`. */
export class ConfigSyntaxError extends ConfigError {
  readonly line: number;
  readonly column: number;

  constructor(file: string, line: number, column: number, reason: string) {
    super(reason, { file, hint: 'fix the YAML at that line (indentation uses spaces; quote values holding ": " or "#")' });
    this.line = line;
    this.column = column;
    this.message = `${file}:${line}:${column}: ${reason}`;
  }
}

/** One problem found while checking the configuration, kept raw until secrets are known and can be redacted. */
export interface Problem {
  file?: string;
  key?: string;
  message: string;
  hint?: string;
  line?: number;
  column?: number;
}

/** Collects every problem and warning of one check, so `doctor` can show them all at once. */
export class ProblemList {
  constructor(
    readonly file: string | undefined = undefined,
    readonly problems: Problem[] = [],
    readonly warnings: string[] = [],
  ) {}

  // The same list, with another file named by default (the secrets file).
  forFile(file: string): ProblemList {
    return new ProblemList(file, this.problems, this.warnings);
  }

  // A problem at `key` of the current file (or of `file` when given).
  error(key: string | undefined, message: string, extra: { hint?: string; file?: string } = {}): void {
    this.problems.push({ file: extra.file ?? this.file, key, message, hint: extra.hint });
  }

  // A YAML syntax problem at a 1-based line and column.
  syntax(file: string, line: number, column: number, message: string): void {
    this.problems.push({ file, line, column, message });
  }

  warn(message: string): void {
    this.warnings.push(message);
  }
}

/** Turns a problem into the typed error users see, every known secret replaced by `***`. */
export function toConfigError(problem: Problem, redact: (text: string) => string, suffix = ''): ConfigError {
  const message = redact(problem.message) + suffix;
  if (problem.file !== undefined && problem.line !== undefined) {
    return new ConfigSyntaxError(problem.file, problem.line, problem.column ?? 1, message);
  }
  const hint = problem.hint === undefined ? undefined : redact(problem.hint);
  return new ConfigError(message, { file: problem.file, key: problem.key, hint });
}
