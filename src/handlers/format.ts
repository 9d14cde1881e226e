// Renders handler problems for a person, in the manifest errors' style: `file:line:col: message`, the
// source line with a caret under the offending text, then the hints. Used by HandlerLoadError.

import { codeFrame, displayPlace } from '../errors/index.js';
import type { HandlerProblem } from './types.js';

/** How `formatHandlerProblems` shows file names and how many problems it prints. */
export interface FormatOptions {
  /** File names are shown relative to this directory when they are inside it. Default: process.cwd(). */
  readonly cwd?: string;
  /** Problems shown before "… and N more". Default 10. */
  readonly maxProblems?: number;
}

/** One problem: the header line, the code frame, and each hint on its own line. */
export function formatHandlerProblem(problem: HandlerProblem, options: FormatOptions = {}): string {
  const where = displayPlace(problem.file, problem.line, problem.column, options.cwd ?? process.cwd());
  const frame = codeFrame(problem.line, problem.column, problem.lineText, problem.width ?? 1);
  return [`${where}: ${problem.message}`, ...frame, ...problem.hints.map((hint) => `  ${hint}`)].join('\n');
}

/** Every problem (up to `maxProblems`), separated by blank lines. */
export function formatHandlerProblems(problems: readonly HandlerProblem[], options: FormatOptions = {}): string {
  const max = options.maxProblems ?? 10;
  const shown = problems.slice(0, max).map((problem) => formatHandlerProblem(problem, options));
  if (problems.length > max) {
    const more = problems.length - max;
    shown.push(`… and ${more} more problem${more === 1 ? '' : 's'}`);
  }
  return shown.join('\n\n');
}
