// Builds positioned HandlerProblems from what went wrong: a missing file or export (pointed at the
// manifest position naming it), an esbuild error (at its location), a module that threw on import (at
// the throwing line). Only the error path runs here. Called by HandlerBundler.

import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Location, Message } from 'esbuild';
import { didYouMean } from '../errors/index.js';
import type { HandlerProblem, HandlerProblemKind, HandlerRef } from './types.js';

const HANDLER_SHAPE = 'a handler is an async function, or an async generator function, of (stream, context)';

/** How a handler module is named in messages: `./handlers/x.ts` relative to the app root, else absolute. */
export function moduleName(file: string, appRoot: string): string {
  const rel = relative(appRoot, file);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? file : `./${rel}`;
}

async function lineOf(file: string, line: number): Promise<string | undefined> {
  if (line <= 0) return undefined;
  try {
    return (await readFile(file, 'utf8')).split(/\r?\n/)[line - 1];
  } catch {
    return undefined;
  }
}

/** Where the caret goes on the manifest line: the export after `#`, or the module path. */
function spanOnOrigin(lineText: string, column: number, exportName: string | undefined): { column: number; width: number } {
  const from = Math.max(0, column - 1);
  if (exportName !== undefined) {
    const at = lineText.indexOf(`#${exportName}`, from);
    if (at !== -1) return { column: at + 2, width: Math.max(1, exportName.length) };
  }
  const start = /^["']/.test(lineText.slice(from)) ? from + 1 : from;
  const token = /^[^#\s"',}\]]*/.exec(lineText.slice(start))?.[0] ?? '';
  return { column: start + 1, width: Math.max(1, token.length) };
}

/** A problem about the reference itself: at the manifest position when known, else at the module. */
async function atOrigin(ref: HandlerRef, kind: HandlerProblemKind, message: string, hints: string[], pointAtExport: boolean): Promise<HandlerProblem> {
  const base = { kind, message, handlerFile: ref.file, hints };
  if (ref.origin === undefined || ref.origin.line <= 0) return { ...base, file: ref.file, line: 0, column: 0 };
  const { file, line, column } = ref.origin;
  const lineText = await lineOf(file, line);
  if (lineText === undefined) return { ...base, file, line, column };
  const span = spanOnOrigin(lineText, column, pointAtExport ? ref.exportName : undefined);
  return { ...base, file, line, column: span.column, lineText, width: span.width };
}

/** The handler module does not exist. */
export async function missingFileProblem(ref: HandlerRef, appRoot: string): Promise<HandlerProblem> {
  let hint: string | undefined;
  try {
    hint = didYouMean(basename(ref.file), await readdir(dirname(ref.file)));
  } catch {
    hint = undefined;
  }
  return atOrigin(ref, 'missing_file', `handler module "${moduleName(ref.file, appRoot)}" does not exist`, [hint ?? `looked for ${ref.file}`], false);
}

/** The module has no export `ref.exportName`; lists the exports it has. */
export function missingExportProblem(ref: HandlerRef, exportNames: readonly string[], appRoot: string): Promise<HandlerProblem> {
  const hints = [exportNames.length === 0 ? 'it has no exports' : `its exports: ${exportNames.join(', ')}`];
  const near = didYouMean(ref.exportName, exportNames);
  if (near !== undefined) hints.push(near);
  const what = ref.exportName === 'default' ? 'default export' : `export "${ref.exportName}"`;
  const role = ref.expects === 'codec' ? 'codec' : 'handler';
  return atOrigin(ref, 'missing_export', `${role} module "${moduleName(ref.file, appRoot)}" has no ${what}`, hints, true);
}

/** The export exists but is not a function. */
export function notAFunctionProblem(ref: HandlerRef, value: unknown, appRoot: string): Promise<HandlerProblem> {
  const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : `a ${typeof value}`;
  const message = `export "${ref.exportName}" of "${moduleName(ref.file, appRoot)}" is ${kind}, not a function`;
  return atOrigin(ref, 'not_a_function', message, [HANDLER_SHAPE], true);
}

/** A codec export (`codecs:`) that is not a codec; `problem` says what it is and what a codec is. */
export function notACodecProblem(ref: HandlerRef, problem: string, appRoot: string): Promise<HandlerProblem> {
  return atOrigin(ref, 'not_a_codec', `codec export "${ref.exportName}" of "${moduleName(ref.file, appRoot)}" ${problem}`, [], true);
}

/** esbuild's `column` and `length` count UTF-8 bytes; the code frame needs characters. */
function characterSpan(location: Location): { column: number; width: number } {
  const bytes = Buffer.from(location.lineText, 'utf8');
  const before = bytes.subarray(0, location.column).toString('utf8').length;
  const width = bytes.subarray(location.column, location.column + location.length).toString('utf8').length;
  return { column: before + 1, width: Math.max(1, width) };
}

function isBuildFailure(error: unknown): error is { errors: Message[] } {
  return typeof error === 'object' && error !== null && Array.isArray((error as { errors?: unknown }).errors);
}

/** One problem per esbuild error, at its location (its file resolved against `appRoot`). */
export function buildProblems(error: unknown, appRoot: string, entryFiles: readonly string[]): HandlerProblem[] {
  const fallback = entryFiles[0] ?? appRoot;
  if (!isBuildFailure(error) || error.errors.length === 0) {
    const message = `esbuild failed: ${error instanceof Error ? error.message : String(error)}`;
    return [{ kind: 'build', message, file: fallback, handlerFile: fallback, line: 0, column: 0, hints: [] }];
  }
  return error.errors.map((message): HandlerProblem => {
    const hints = message.notes.map((note) => note.text).filter((text) => text !== '');
    const location = message.location;
    if (location === null) return { kind: 'build', message: message.text, file: fallback, handlerFile: fallback, line: 0, column: 0, hints };
    const file = resolve(appRoot, location.file);
    const span = characterSpan(location);
    return { kind: 'build', message: message.text, file, handlerFile: file, line: location.line, column: span.column, lineText: location.lineText, width: span.width, hints };
  });
}

const STACK_FRAME = /\(?((?:file:\/\/)?\/[^\s()]*):(\d+):(\d+)\)?\s*$/;

/** The first stack frame inside one of `sources` (source-mapped frames name the .ts files). */
function frameIn(error: unknown, sources: ReadonlySet<string>): { file: string; line: number; column: number } | undefined {
  const stack = error instanceof Error && typeof error.stack === 'string' ? error.stack : '';
  for (const text of stack.split('\n').slice(1)) {
    const match = STACK_FRAME.exec(text);
    if (match === null) continue;
    const [, where = '', line = '0', column = '0'] = match;
    const file = where.startsWith('file://') ? fileURLToPath(where) : where;
    if (sources.has(file)) return { file, line: Number(line), column: Number(column) };
  }
  return undefined;
}

/** The module threw while being imported: at the throwing line of its own sources when the stack shows it. */
export async function importProblem(error: unknown, handlerFile: string, sources: ReadonlySet<string>, appRoot: string): Promise<HandlerProblem> {
  const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const message = `handler module threw while it was imported: ${what}`;
  const missing = (error as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND' ? /Cannot find (?:package|module) '([^']+)'/.exec(what)?.[1] : undefined;
  const hints = [
    missing === undefined
      ? 'top-level code of a handler module runs on every load and reload; keep side effects inside the handler'
      : `"${missing}" could not be found when the bundle was imported: install it where the app can find it`,
  ];
  const frame = frameIn(error, sources);
  if (frame === undefined) return { kind: 'import_failed', message, file: handlerFile, handlerFile, line: 0, column: 0, hints };
  if (frame.file !== handlerFile) hints.unshift(`while importing "${moduleName(handlerFile, appRoot)}"`);
  const lineText = await lineOf(frame.file, frame.line);
  return { kind: 'import_failed', message, handlerFile, ...frame, ...(lineText === undefined ? {} : { lineText }), hints };
}
