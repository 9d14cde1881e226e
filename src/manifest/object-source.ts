// The values of a TypeScript manifest as a ManifestSource: it knows which paths exist, but has no
// line or column (an object has no text), so problems name the .ts file and the path. Used by typescript.ts.

import type { ManifestSource } from './locator.js';
import type { ManifestPath } from './path.js';
import type { ManifestProblem } from './types.js';
import type { Located, Span } from './yaml-source.js';

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

/** A plain object (the default export of app.ts, functions replaced) located by path only. */
export class ObjectSource implements ManifestSource {
  constructor(
    readonly file: string,
    private readonly value: unknown,
  ) {}

  /** Line and column 0, and whether the whole path exists. */
  locate(path: ManifestPath): Located {
    let node = this.value;
    let isExact = true;
    for (const segment of path) {
      if (!isObject(node) || !Object.hasOwn(node, segment)) {
        isExact = false;
        break;
      }
      node = (node as Record<string | number, unknown>)[segment];
    }
    return { span: { file: this.file, line: 0, column: 0, lineText: '', width: 0 }, isExact };
  }

  /** A problem at the file, without a code frame. */
  problem(span: Span, path: string, message: string, extra: { expected?: string | undefined; hint?: string | undefined } = {}): ManifestProblem {
    return {
      file: span.file,
      line: 0,
      column: 0,
      path,
      message,
      ...(extra.expected === undefined ? {} : { expected: extra.expected }),
      ...(extra.hint === undefined ? {} : { hint: extra.hint }),
    };
  }
}
