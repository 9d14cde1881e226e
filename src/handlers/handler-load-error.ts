// HandlerLoadError: handler modules that cannot be compiled, imported or used, with every problem
// found and where it is. Thrown by HandlerBundler; at boot the CLI prints it and exits, during a hot
// reload the reloader logs it and keeps the previous handlers.

import { ConfigError } from '../errors/index.js';
import { formatHandlerProblems, type FormatOptions } from './format.js';
import type { HandlerProblem } from './types.js';

/** Code of `HandlerLoadError`, stable across bundle boundaries. */
export const HANDLER_ERROR_CODE = 'STREAMD_HANDLER';

/**
 * One or more handlers failed to load. `file`, `line` and `column` are those of the first problem
 * (line and column are 0 when unknown); `problems` holds them all. The message is `format()`:
 * `file:line:col: message`, the source line, a caret, and hints — no stack trace.
 */
export class HandlerLoadError extends ConfigError {
  override readonly code: string = HANDLER_ERROR_CODE;
  /** Never empty. */
  readonly problems: readonly HandlerProblem[];
  readonly file: string;
  readonly line: number;
  readonly column: number;

  constructor(problems: readonly HandlerProblem[], options: { readonly cause?: unknown } = {}) {
    const first = problems[0];
    if (first === undefined) throw new RangeError('a HandlerLoadError needs at least one problem');
    super(formatHandlerProblems(problems), options);
    this.problems = problems;
    this.file = first.file;
    this.line = first.line;
    this.column = first.column;
  }

  /** The message again, with file names relative to `cwd`. */
  format(options: FormatOptions = {}): string {
    return formatHandlerProblems(this.problems, options);
  }
}
