// Renders manifest problems for a person: `file:line:col: path: message`, the source line with a caret
// under the offending text, then what was expected and a hint. Used by `ManifestError.format()`.

import { codeFrame, displayPlace } from '../errors/index.js';
import type { ManifestProblem } from './types.js';

export interface FormatOptions {
  /** File names are shown relative to this directory when they are inside it. Default: process.cwd(). */
  readonly cwd?: string;
  /** Problems shown before "… and N more". Default 10. */
  readonly maxProblems?: number;
}

function header(problem: ManifestProblem, cwd: string): string {
  const where = displayPlace(problem.file, problem.line, problem.column, cwd);
  return problem.path === '' ? `${where}: ${problem.message}` : `${where}: ${problem.path}: ${problem.message}`;
}

/** One problem: a header line, the code frame, `expected …` and the hint, each on its own line. */
export function formatProblem(problem: ManifestProblem, options: FormatOptions = {}): string {
  const lines = [header(problem, options.cwd ?? process.cwd()), ...codeFrame(problem.line, problem.column, problem.excerpt?.lineText, problem.excerpt?.width ?? 1)];
  if (problem.expected !== undefined) lines.push(`  expected ${problem.expected}`);
  if (problem.hint !== undefined) lines.push(`  ${problem.hint}`);
  return lines.join('\n');
}

/** Every problem (up to `maxProblems`), in file order, separated by blank lines. */
export function formatProblems(problems: readonly ManifestProblem[], options: FormatOptions = {}): string {
  const max = options.maxProblems ?? 10;
  const shown = problems.slice(0, max).map((problem) => formatProblem(problem, options));
  if (problems.length > max) {
    const more = problems.length - max;
    shown.push(`… and ${more} more problem${more === 1 ? '' : 's'}`);
  }
  return shown.join('\n\n');
}

/** Problems sorted by file, line and column; problems without a position come first. */
export function sortProblems(problems: readonly ManifestProblem[]): ManifestProblem[] {
  const rank = (problem: ManifestProblem): number => (problem.line > 0 ? 1 : 0);
  return [...problems].sort((a, b) => rank(a) - rank(b) || a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
}
