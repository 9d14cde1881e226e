// Renders manifest problems for a person: `file:line:col: path: message`, the source line with a caret
// under the offending text, then what was expected and a hint. Used by `ManifestError.format()`.

import { isAbsolute, relative } from 'node:path';
import type { ManifestProblem } from './types.js';

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

function header(problem: ManifestProblem, cwd: string): string {
  const where = problem.line > 0 ? `${displayFile(problem.file, cwd)}:${problem.line}:${problem.column}` : displayFile(problem.file, cwd);
  return problem.path === '' ? `${where}: ${problem.message}` : `${where}: ${problem.path}: ${problem.message}`;
}

function codeFrame(problem: ManifestProblem): string[] {
  if (problem.excerpt === undefined || problem.line <= 0) return [];
  const gutter = String(problem.line);
  const text = problem.excerpt.lineText.replace(/\s+$/, '');
  // Keep tabs in the caret line's indentation so the caret lines up under tabbed text.
  const lead = problem.excerpt.lineText.slice(0, problem.column - 1).replace(/[^\t]/g, ' ');
  return [
    `  ${gutter} | ${text}`,
    `  ${' '.repeat(gutter.length)} | ${lead}${'^'.repeat(Math.max(1, problem.excerpt.width))}`,
  ];
}

/** One problem: a header line, the code frame, `expected …` and the hint, each on its own line. */
export function formatProblem(problem: ManifestProblem, options: FormatOptions = {}): string {
  const lines = [header(problem, options.cwd ?? process.cwd()), ...codeFrame(problem)];
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
