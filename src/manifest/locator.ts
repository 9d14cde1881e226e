// Turns a manifest path into a problem with the right position: the flag or environment variable that
// set the value, else the manifest node, else the defaults file, else the manifest's nearest ancestor.
// Used by the schema mapping, the semantic checks and normalisation.

import { formatPath, type ManifestPath } from './path.js';
import type { ManifestProblem, SourceLocation } from './types.js';
import type { LocateTarget, Located, Span } from './yaml-source.js';

/** Where a manifest's values are: a parsed YAML file (`YamlSource`), or the object a TypeScript manifest
 * exported (`ObjectSource`, no positions). The checks only ever ask a Locator, which asks this. */
export interface ManifestSource {
  /** The span of `path`'s value (or key), or of its deepest existing ancestor. */
  locate(path: ManifestPath, target?: LocateTarget): Located;
  /** A problem at `span`. */
  problem(span: Span, path: string, message: string, extra?: { expected?: string | undefined; hint?: string | undefined }): ManifestProblem;
}

export interface ProblemDetails {
  readonly target?: LocateTarget;
  readonly expected?: string | undefined;
  readonly hint?: string | undefined;
}

export class Locator {
  constructor(
    private readonly manifest: ManifestSource,
    private readonly defaults: ManifestSource | undefined,
    private readonly origins: ReadonlyMap<string, string>,
  ) {}

  /** The origin label of an overridden value at `path` or above it, if a flag or the environment set it. */
  originOf(path: ManifestPath): string | undefined {
    for (let depth = path.length; depth > 0; depth -= 1) {
      const origin = this.origins.get(formatPath(path.slice(0, depth)));
      if (origin !== undefined) return origin;
    }
    return undefined;
  }

  /** True when the value at `path` came from config/defaults.yaml: no flag, variable or manifest key set it. */
  isDefault(path: ManifestPath): boolean {
    return this.originOf(path) === undefined && !this.manifest.locate(path).isExact;
  }

  /** The position of `path` (its key with target `key`). */
  location(path: ManifestPath, target: LocateTarget = 'value'): SourceLocation {
    const { file, line, column } = this.problem(path, '', { target });
    return { file, line, column };
  }

  /** A problem about the value (or key) at `path`. */
  problem(path: ManifestPath, message: string, details: ProblemDetails = {}): ManifestProblem {
    const shown = formatPath(path);
    const extra = { expected: details.expected, hint: details.hint };
    const origin = this.originOf(path);
    if (origin !== undefined) {
      return {
        file: origin,
        line: 0,
        column: 0,
        path: shown,
        message,
        ...(extra.expected === undefined ? {} : { expected: extra.expected }),
        ...(extra.hint === undefined ? {} : { hint: extra.hint }),
      };
    }
    const inManifest = this.manifest.locate(path, details.target);
    if (!inManifest.isExact && this.defaults !== undefined) {
      const inDefaults = this.defaults.locate(path, details.target);
      if (inDefaults.isExact) return this.defaults.problem(inDefaults.span, shown, message, extra);
    }
    return this.manifest.problem(inManifest.span, shown, message, extra);
  }
}
