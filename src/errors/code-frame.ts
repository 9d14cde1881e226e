// How streamd shows a place in a user's file: the path relative to the working directory, and a
// code frame (the source line with a caret under the offending text). Used by manifest and
// handler errors, so both read the same.

import { isAbsolute, relative } from 'node:path';

/** `file` relative to `cwd` when it lies inside it, else as given. */
export function displayFile(file: string, cwd: string): string {
  if (!isAbsolute(file)) return file;
  const rel = relative(cwd, file);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? file : rel;
}

/** `file:line:col`, or just the file when there is no line (a value from a flag or a TS manifest). */
export function displayPlace(file: string, line: number, column: number, cwd: string): string {
  const shown = displayFile(file, cwd);
  return line > 0 ? `${shown}:${line}:${column}` : shown;
}

/** The two lines of a code frame; none when the line's text is unknown. */
export function codeFrame(line: number, column: number, lineText: string | undefined, width: number): string[] {
  if (lineText === undefined || line <= 0) return [];
  const gutter = String(line);
  const text = lineText.replace(/\s+$/, '');
  // Keep tabs in the caret line's indentation so the caret lines up under tabbed text.
  const lead = lineText.slice(0, Math.max(0, column - 1)).replace(/[^\t]/g, ' ');
  return [`  ${gutter} | ${text}`, `  ${' '.repeat(gutter.length)} | ${lead}${'^'.repeat(Math.max(1, width))}`];
}
