// A parsed YAML file that remembers where every node came from: syntax problems with line:col, and
// `locate(path)` from a manifest path to the node's (or its key's) position. Used by the loader.

import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';
import type { ManifestPath } from './path.js';
import type { ManifestProblem, SourceLocation } from './types.js';

/** A position with the code-frame details a problem needs. */
export interface Span extends SourceLocation {
  readonly lineText: string;
  readonly width: number;
}

/** What `locate` points at: the value, or the key that names it (unknown keys, missing keys of a parent). */
export type LocateTarget = 'value' | 'key';

export interface Located {
  readonly span: Span;
  /** True when the whole path exists; false when the span is that of its deepest existing ancestor. */
  readonly isExact: boolean;
}

interface Walked {
  readonly depth: number;
  readonly value: Node | null | undefined;
  readonly key: Node | undefined;
}

export class YamlSource {
  private constructor(
    readonly file: string,
    readonly text: string,
    readonly doc: Document.Parsed,
    private readonly lineCounter: LineCounter,
  ) {}

  /** Parses `text`; problems are YAML syntax errors (duplicate keys included), empty when it parsed. */
  static parse(file: string, text: string): { source: YamlSource; problems: ManifestProblem[] } {
    const lineCounter = new LineCounter();
    const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: true });
    const source = new YamlSource(file, text, doc, lineCounter);
    const problems = doc.errors.map((error) => {
      const [start, end] = error.pos;
      const message = error.message.split('\n')[0] ?? error.message;
      // Duplicate keys are how duplicate topic, table or agent names show up: name the key.
      const key = error.code === 'DUPLICATE_KEY' ? /^("[^"\n]*"|'[^'\n]*'|[^\s:][^:\n]*?)\s*:/.exec(text.slice(start))?.[1] : undefined;
      if (key !== undefined) return source.problem(source.spanAt(start, key.length), '', `"${key.replace(/^(['"])(.*)\1$/, '$2')}" is declared twice in this mapping`);
      return source.problem(source.spanAt(start, Math.max(1, end - start)), '', message);
    });
    return { source, problems };
  }

  /** The span of `length` characters at `offset`, clipped to its line. */
  spanAt(offset: number, length: number): Span {
    const bounded = Math.min(Math.max(0, offset), this.text.length);
    const { line, col } = this.lineCounter.linePos(bounded);
    const lineStart = bounded - (col - 1);
    let lineEnd = this.text.indexOf('\n', lineStart);
    if (lineEnd === -1) lineEnd = this.text.length;
    const lineText = this.text.slice(lineStart, lineEnd).replace(/\r$/, '');
    const width = Math.max(1, Math.min(length, lineText.length - (col - 1)));
    return { file: this.file, line: Math.max(1, line), column: col, lineText, width };
  }

  /** The span of `path`'s value (or key), or of its deepest existing ancestor. */
  locate(path: ManifestPath, target: LocateTarget = 'value'): Located {
    const walked = this.walk(path);
    const isExact = walked.depth === path.length;
    const node = target === 'key' || walked.value === null || walked.value === undefined ? (walked.key ?? walked.value) : walked.value;
    return { span: this.spanOfNode(node), isExact };
  }

  /** A problem at `span`. */
  problem(span: Span, path: string, message: string, extra: { expected?: string | undefined; hint?: string | undefined } = {}): ManifestProblem {
    return {
      file: span.file,
      line: span.line,
      column: span.column,
      path,
      message,
      ...(extra.expected === undefined ? {} : { expected: extra.expected }),
      ...(extra.hint === undefined ? {} : { hint: extra.hint }),
      excerpt: { lineText: span.lineText, width: span.width },
    };
  }

  private spanOfNode(node: Node | null | undefined): Span {
    const range = node?.range ?? this.doc.contents?.range;
    if (range === undefined) return this.spanAt(0, 1);
    return this.spanAt(range[0], range[1] - range[0]);
  }

  private walk(path: ManifestPath): Walked {
    let value: Node | null | undefined = this.doc.contents;
    let key: Node | undefined;
    let depth = 0;
    for (const segment of path) {
      if (isAlias(value)) value = value.resolve(this.doc) ?? null;
      if (isMap(value)) {
        const pair = value.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
        if (pair === undefined) break;
        key = pair.key as Node;
        value = pair.value as Node | null;
      } else if (isSeq(value) && typeof segment === 'number' && segment < value.items.length) {
        key = undefined;
        value = value.items[segment] as Node | null;
      } else {
        break;
      }
      depth += 1;
    }
    return { depth, value, key };
  }
}
