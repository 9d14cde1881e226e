// Public surface of the manifest area: load a manifest (YAML or TypeScript) into a typed,
// normalised `Manifest`, or fail with a `ManifestError` that names file:line:col for every problem.

export { loadManifest, type LoadManifestOptions } from './load.js';
export { defineApp, type AppDefinition, type AppHandlerFunction, type AppSettings } from './define-app.js';
export { ManifestError, MANIFEST_ERROR_CODE } from './errors.js';
export { parseDuration, DURATION_EXPECTED } from './duration.js';
export { formatProblem, formatProblems, type FormatOptions } from './format.js';
export { createModelAjv } from './schema.js';
export { duplicateRepartitionProblems, assertNoHandlerProblems, type RepartitionUse } from './handler-checks.js';
export type { Environment } from './interpolate.js';
export type * from './types.js';
export { BUILTIN_TYPE_NAMES, TABLE_HOOK_NAMES } from './types.js';
