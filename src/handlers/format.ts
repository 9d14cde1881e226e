// Renders handler problems for a person, in the manifest errors' style: `file:line:col: message`, the
// source line with a caret under the offending text, then the hints. Used by HandlerLoadError.

import { isAbsolute, relative } from 'node:path';
import type { HandlerProblem } from './types.js';

/** How `formatHandlerProblems` shows file names and how many problems it prints. */
export interface FormatOptions {
  /** File names are shown relative to this directory when they are inside it. Default: process.cwd(). */
  readonly cwd?: string;
  /** Problems shown before "… and N more". Default 10. */
  readonly maxProblems?: number;
}

function displayFile(file: string, cwd: string): string {
  if (!isAbsolute(file)) return file;
  const rel = relative(cwd, file);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? file : rel;
}

function codeFrame(problem: HandlerProblem): string[] {
  if (problem.lineText === undefined || problem.line <= 0) return [];
  const gutter = String(problem.line);
  const text = problem.lineText.replace(/\s+$/, '');
  // Keep tabs in the caret line's indentation so the caret lines up under tabbed text.
  const lead = problem.lineText.slice(0, Math.max(0, problem.column - 1)).replace(/[^\t]/g, ' ');
  return [`  ${gutter} | ${text}`, `  ${' '.repeat(gutter.length)} | ${lead}${'^'.repeat(Math.max(1, problem.width ?? 1))}`];
}

/** One problem: the header line, the code frame, and each hint on its own line. */
export function formatHandlerProblem(problem: HandlerProblem, options: FormatOptions = {}): string {
  const file = displayFile(problem.file, options.cwd ?? process.cwd());
  const where = problem.line > 0 ? `${file}:${problem.line}:${problem.column}` : file;
  return [`${where}: ${problem.message}`, ...codeFrame(problem), ...problem.hints.map((hint) => `  ${hint}`)].join('\n');
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
