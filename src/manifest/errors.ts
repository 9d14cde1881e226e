// ManifestError: a manifest that cannot be used, with every problem found and where it is. The CLI
// prints `format()` and exits; nothing retries a bad manifest.

import { ConfigError } from '../errors/index.js';
import { formatProblems, sortProblems, type FormatOptions } from './format.js';
import type { Manifest, ManifestProblem } from './types.js';

/** Code of `ManifestError`, stable across bundle boundaries. */
export const MANIFEST_ERROR_CODE = 'STREAMD_MANIFEST';

/** A bad manifest: fail the boot and show `format()`, which names file:line:col for each problem. */
export class ManifestError extends ConfigError {
  override readonly code: string = MANIFEST_ERROR_CODE;
  /** Sorted by file, line and column. Never empty. */
  readonly problems: readonly ManifestProblem[];
  /**
   * The manifest as far as it could be read despite the problems, when it could be normalised: what
   * `streamd check` loads the handlers of, to report their problems in the same run. Never run it.
   */
  readonly partial: Manifest | undefined;

  constructor(problems: readonly ManifestProblem[], options: { readonly cause?: unknown; readonly manifest?: Manifest } = {}) {
    const sorted = sortProblems(problems);
    super(formatProblems(sorted), options.cause === undefined ? {} : { cause: options.cause });
    this.problems = sorted;
    this.partial = options.manifest;
  }

  /** A human message: every problem (up to ten) with its code frame; no stack trace. */
  format(options: FormatOptions = {}): string {
    return formatProblems(this.problems, options);
  }
}
