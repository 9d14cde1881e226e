// The shapes the handlers area shares with its callers: a reference to a handler export, the loaded
// function, and one problem found while loading. Used by the bundler, the reloader and the worker.

import type { CustomCodec } from '../models/index.js';

/** A position in a source file; `line` and `column` are 1-based, 0 when unknown. */
export interface SourcePosition {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** One export of one handler module, as the manifest names it. */
export interface HandlerRef {
  /** Absolute path of the handler module (`.ts`, `.mts`, `.js`, `.mjs`). */
  readonly file: string;
  /** The export to call; `default` for the default export. */
  readonly exportName: string;
  /** Where the manifest names this handler: problems about the reference itself point here. */
  readonly origin?: SourcePosition;
  /** What the export must be: a function (a handler, the default) or a custom codec object (`codecs:`). */
  readonly expects?: 'function' | 'codec';
}

/** A handler as loaded: any function; the caller knows whether it is an agent, a timer or a view. */
export type HandlerFunction = (...args: never[]) => unknown;

/** What a load returns for one ref: a handler function, or a custom codec for a ref that `expects: 'codec'`. */
export type LoadedExport = HandlerFunction | CustomCodec;

/** The key of a handler in the maps this area returns: `<file>#<exportName>`. */
export function handlerKey(ref: Pick<HandlerRef, 'file' | 'exportName'>): string {
  return `${ref.file}#${ref.exportName}`;
}

/**
 * What went wrong, machine-readably:
 * - `missing_file`: the module does not exist (at the manifest position that names it);
 * - `build`: esbuild rejected the module (a syntax error, an unresolvable relative import), at its location;
 * - `import_failed`: the module threw while it was imported, at the throwing line when the stack shows it;
 * - `missing_export`: no such export (at the manifest position);
 * - `not_a_function`: the export exists but is not a function (at the manifest position);
 * - `not_a_codec`: a codec export that is not an object with encode and decode functions (at the manifest position).
 */
export type HandlerProblemKind = 'missing_file' | 'build' | 'import_failed' | 'missing_export' | 'not_a_function' | 'not_a_codec';

/** One problem with one handler module, positioned for a person to find it. */
export interface HandlerProblem extends SourcePosition {
  readonly kind: HandlerProblemKind;
  readonly message: string;
  /** The handler module the problem is about (equal to `file` unless it points into the manifest). */
  readonly handlerFile: string;
  /** The text of line `line` of `file`, for the code frame. */
  readonly lineText?: string;
  /** How many characters the caret underlines; default 1. */
  readonly width?: number;
  /** Lines shown under the code frame: what exists, what to do. */
  readonly hints: readonly string[];
}
