// ManifestError: a manifest that cannot be used, with every problem found and where it is. The CLI
// prints `format()` and exits; nothing retries a bad manifest.

import { ConfigError } from '../errors/index.js';
import { formatProblems, sortProblems, type FormatOptions } from './format.js';
import type { ManifestProblem } from './types.js';

/** Code of `ManifestError`, stable across bundle boundaries. */
export const MANIFEST_ERROR_CODE = 'STREAMD_MANIFEST';

/** A bad manifest: fail the boot and show `format()`, which names file:line:col for each problem. */
export class ManifestError extends ConfigError {
  override readonly code: string = MANIFEST_ERROR_CODE;
  /** Sorted by file, line and column. Never empty. */
  readonly problems: readonly ManifestProblem[];

  constructor(problems: readonly ManifestProblem[], options: { readonly cause?: unknown } = {}) {
    const sorted = sortProblems(problems);
    super(formatProblems(sorted), options);
    this.problems = sorted;
  }

  /** A human message: every problem (up to ten) with its code frame; no stack trace. */
  format(options: FormatOptions = {}): string {
    return formatProblems(this.problems, options);
  }
}
