// Helpers of the manifest tests: fixture paths found from the repository root (not the working
// directory), and a loader call that must fail with a ManifestError.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadManifest, ManifestError, type LoadManifestOptions, type ManifestProblem, type SourceLocation } from '../../../src/manifest/index.js';
import { repoRoot } from '../../kafka/repo-root.js';

export { repoRoot };

/** The absolute path of a manifest fixture. */
export function fixture(name: string): string {
  return join(repoRoot(), 'test', 'fixtures', 'manifests', name);
}

/** Loads a fixture that must fail and returns the ManifestError. */
export async function loadFailure(name: string, options: Partial<LoadManifestOptions> = {}): Promise<ManifestError> {
  try {
    await loadManifest(fixture(name), { env: {}, ...options });
  } catch (error) {
    assert.ok(error instanceof ManifestError, `expected a ManifestError, got ${String(error)}`);
    return error;
  }
  return assert.fail(`${name} loaded without problems`);
}

/** The problem at `path`; fails the test when there is none. */
export function problemAt(error: ManifestError, path: string): ManifestProblem {
  const problem = error.problems.find((p) => p.path === path);
  return problem ?? assert.fail(`no problem at ${path}; problems: ${error.problems.map((p) => p.path).join(', ')}`);
}

/** `line:column` of a problem, for compact assertions. */
export const at = (problem: SourceLocation): string => `${problem.line}:${problem.column}`;
