// The checks every manifest goes through once it is a plain object, whatever its source (YAML or
// TypeScript): layering (flag > env > manifest > defaults), schema, models, normalisation, semantics and
// handler files. Called by the YAML loader (load.ts) and the TypeScript loader (typescript.ts).

import { dirname } from 'node:path';
import { readConfigFiles } from './config-files.js';
import { CheckContext, type InlineHandlers } from './context.js';
import { ManifestError } from './errors.js';
import { missingHandlerFiles } from './handlers.js';
import { layer } from './layers.js';
import { Locator, type ManifestSource } from './locator.js';
import type { LoadManifestOptions } from './options.js';
import { compileModels } from './models.js';
import { normalise } from './normalise.js';
import { isAboutRepaired, repairForChecks } from './repair.js';
import type { DeclarationDefaults, RawManifest } from './raw-types.js';
import { compileManifestSchema, schemaProblems } from './schema.js';
import { checkSemantics } from './semantic.js';
import type { Manifest, ManifestProblem } from './types.js';

/** Stops the load with `problems`. */
export function fail(problems: readonly ManifestProblem[]): never {
  throw new ManifestError(problems);
}

/** A problem about a whole file or an origin, without a position. */
export function positionless(file: string, message: string, hint?: string): ManifestProblem {
  return { file, line: 0, column: 0, path: '', message, ...(hint === undefined ? {} : { hint }) };
}

/** What a loader hands over: the manifest as plain data, and where its values are. */
export interface ManifestDocument {
  /** Absolute path of the manifest file. */
  readonly sourcePath: string;
  /** The manifest as a plain object (JSON-like: functions already replaced by their display text). */
  readonly document: Readonly<Record<string, unknown>>;
  readonly source: ManifestSource;
  /** Handlers given as functions, by formatted path; empty for YAML. */
  readonly inlineHandlers?: InlineHandlers;
}

/** Layers, validates and normalises a manifest document; throws ManifestError listing every problem. */
export async function checkManifest(input: ManifestDocument, options: LoadManifestOptions): Promise<Manifest> {
  const cwd = options.cwd ?? process.cwd();
  const files = options.configFiles ?? (await readConfigFiles());
  const layered = layer({
    schema: files.schema,
    defaults: files.defaults.manifest,
    manifest: input.document,
    env: options.env,
    overrides: options.overrides ?? {},
  });
  const locator = new Locator(input.source, files.defaults.source, layered.origins);
  const unknownFlags = layered.unknownOverrides.map(({ name, suggestion }) =>
    positionless(`flag ${name}`, 'no such setting', suggestion === undefined ? undefined : `did you mean "${suggestion}"?`));
  const validate = compileManifestSchema(files.schema);
  const invalid = schemaProblems(validate, layered.value, locator);
  if (unknownFlags.length > 0) fail([...unknownFlags, ...invalid]);
  // A manifest that fails the schema is checked on: names and handlers are checked on a repaired copy,
  // so one run reports every problem. The copy is never used.
  const repair = invalid.length === 0 ? { value: layered.value, paths: [] } : repairForChecks(validate, layered.value, files.defaults.manifest);
  if (repair === undefined) fail(invalid);

  const raw = repair.value as unknown as RawManifest;
  const context = new CheckContext(locator, dirname(input.sourcePath), input.inlineHandlers);
  const models = compileModels(raw.models, context);
  const manifest = normalise({ raw, defaults: files.defaults.declarations as unknown as DeclarationDefaults, sourcePath: input.sourcePath, cwd }, context);
  checkSemantics(raw, manifest, models, context);
  const later = [...context.problems, ...(await missingHandlerFiles(context.handlerFiles, locator))].filter((p) => !isAboutRepaired(p.path, repair.paths));
  const problems = [...invalid, ...later];
  if (problems.length > 0) throw new ManifestError(problems, { manifest });
  return manifest;
}
