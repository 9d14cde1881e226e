// The state shared by normalisation and the semantic checks: the problems found so far, where values
// are, and the handler files still to check. Parsing helpers record a problem and return a placeholder,
// so one pass finds every problem.

import { DURATION_EXPECTED, parseDuration } from './duration.js';
import { HANDLER_EXPECTED, parseHandlerText, resolveHandlerFile, type HandlerFileCheck } from './handlers.js';
import type { Locator, ProblemDetails } from './locator.js';
import { formatPath, type ManifestPath } from './path.js';
import type { FunctionHandlerReference, HandlerReference, ManifestProblem, SourceLocation } from './types.js';

/** Functions a TypeScript manifest gives as handlers, by formatted path (`agents.count.handler`). */
export type InlineHandlers = ReadonlyMap<string, FunctionHandlerReference['fn']>;

export class CheckContext {
  readonly problems: ManifestProblem[] = [];
  readonly handlerFiles: HandlerFileCheck[] = [];

  constructor(
    readonly locator: Locator,
    /** Directory that relative handler paths and the datadir resolve against. */
    readonly baseDir: string,
    /** Handlers given as functions (TypeScript manifests); a path here is a function, not `path#export`. */
    private readonly inlineHandlers: InlineHandlers = new Map(),
  ) {}

  report(path: ManifestPath, message: string, details: ProblemDetails = {}): void {
    this.problems.push(this.locator.problem(path, message, details));
  }

  location(path: ManifestPath): SourceLocation {
    return this.locator.location(path, 'key');
  }

  /** Milliseconds of the duration at `path`; NaN (with a problem) when it is not one. */
  duration(path: ManifestPath, value: string | number): number {
    try {
      return parseDuration(value);
    } catch (error) {
      const message = error instanceof Error ? error.message.replace(/: expected .*$/, '') : String(error);
      this.report(path, message, { expected: DURATION_EXPECTED });
      return Number.NaN;
    }
  }

  /** Milliseconds of an optional duration; positive unless `allowZero`. */
  optionalDuration(path: ManifestPath, value: string | number | undefined, allowZero = false): number | undefined {
    if (value === undefined) return undefined;
    const ms = this.duration(path, value);
    if (ms === 0 && !allowZero) this.report(path, 'must be longer than 0ms', { expected: DURATION_EXPECTED });
    return ms;
  }

  /** The handler reference at `path`: an inline function, or a module whose file is queued for the existence check. */
  handler(path: ManifestPath, text: string): HandlerReference {
    const location = this.locator.location(path);
    const fn = this.inlineHandlers.get(formatPath(path));
    if (fn !== undefined) return { kind: 'function', fn, text, location };
    const parsed = parseHandlerText(text);
    if (!parsed.ok) {
      this.report(path, parsed.message, { expected: HANDLER_EXPECTED });
      return { kind: 'module', file: '', exportName: '', text, location };
    }
    const file = resolveHandlerFile(this.baseDir, parsed.modulePath);
    this.handlerFiles.push({ file, modulePath: parsed.modulePath, path });
    return { kind: 'module', file, exportName: parsed.exportName, text, location };
  }
}
