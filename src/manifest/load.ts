// The manifest pipeline: read → parse (positions) → interpolate → merge layers → schema → semantics and
// normalisation → handler files. Each stage stops the load with every problem it found, because later
// stages would only report echoes of them. Called through `loadManifest` in index.ts.

import { readFile } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import { readConfigFiles, type ConfigFiles } from './config-files.js';
import { CheckContext } from './context.js';
import { ManifestError } from './errors.js';
import { missingHandlerFiles } from './handlers.js';
import { interpolate, type Environment } from './interpolate.js';
import { layer } from './layers.js';
import { Locator } from './locator.js';
import { compileModels } from './models.js';
import { normalise } from './normalise.js';
import type { DeclarationDefaults, RawManifest } from './raw-types.js';
import { compileManifestSchema, schemaProblems } from './schema.js';
import { checkSemantics } from './semantic.js';
import type { Manifest, ManifestProblem, SettingOverrides } from './types.js';
import { YamlSource } from './yaml-source.js';

export interface LoadManifestOptions {
  /** The environment for `${VAR}` and `STREAMD_<SETTING>`; the loader never reads process.env itself. */
  readonly env: Environment;
  /** Command-line flags; they win over everything else. */
  readonly overrides?: SettingOverrides;
  /** Resolves a relative manifest path and relative paths set by flags or the environment. Default process.cwd(). */
  readonly cwd?: string;
  /** streamd's own config files; default: read from the package root. Tests may pass their own. */
  readonly configFiles?: ConfigFiles;
}

function fail(problems: readonly ManifestProblem[]): never {
  throw new ManifestError(problems);
}

function positionless(file: string, message: string, hint?: string): ManifestProblem {
  return { file, line: 0, column: 0, path: '', message, ...(hint === undefined ? {} : { hint }) };
}

async function readSource(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return fail([positionless(file, code === 'ENOENT' ? 'manifest file does not exist' : `cannot read the manifest: ${String(error)}`)]);
  }
}

/** Loads, checks and normalises the YAML manifest at `path`; throws ManifestError listing every problem. */
export async function loadYamlManifest(path: string, options: LoadManifestOptions): Promise<Manifest> {
  const cwd = options.cwd ?? process.cwd();
  const sourcePath = resolve(cwd, path);
  const text = await readSource(sourcePath);
  const { source, problems: syntax } = YamlSource.parse(sourcePath, text);
  if (syntax.length > 0) fail(syntax);

  const interpolation = interpolate(source, options.env);
  if (interpolation.length > 0) fail(interpolation);

  const document: unknown = source.doc.toJS();
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    fail([source.problem(source.locate([]).span, '', 'a manifest is a mapping of keys such as id, topics and agents', { expected: 'a YAML mapping' })]);
  }

  const files = options.configFiles ?? (await readConfigFiles());
  const layered = layer({
    schema: files.schema,
    defaults: files.defaults.manifest,
    manifest: document as Record<string, unknown>,
    env: options.env,
    overrides: options.overrides ?? {},
  });
  const locator = new Locator(source, files.defaults.source, layered.origins);
  const unknownFlags = layered.unknownOverrides.map(({ name, suggestion }) =>
    positionless(`flag ${name}`, 'no such setting', suggestion === undefined ? undefined : `did you mean "${suggestion}"?`));
  const invalid = [...unknownFlags, ...schemaProblems(compileManifestSchema(files.schema), layered.value, locator)];
  if (invalid.length > 0) fail(invalid);

  const raw = layered.value as unknown as RawManifest;
  const context = new CheckContext(locator, dirname(sourcePath));
  const models = compileModels(raw.models, context);
  const manifest = normalise({ raw, defaults: files.defaults.declarations as unknown as DeclarationDefaults, sourcePath, cwd }, context);
  checkSemantics(raw, manifest, models, context);
  const problems = [...context.problems, ...(await missingHandlerFiles(context.handlerFiles, locator))];
  if (problems.length > 0) fail(problems);
  return manifest;
}

/** Loads the manifest at `path`, picking the loader by extension. */
export async function loadManifest(path: string, options: LoadManifestOptions): Promise<Manifest> {
  const extension = extname(path).toLowerCase();
  if (extension === '.yaml' || extension === '.yml') return loadYamlManifest(path, options);
  const file = resolve(options.cwd ?? process.cwd(), path);
  const hint = extension === '.ts' || extension === '.mts' ? 'TypeScript manifests are not supported yet; use app.yaml' : 'name a .yaml or .yml file';
  return fail([positionless(file, `cannot load a manifest from a ${extension === '' ? 'file without an extension' : `${extension} file`}`, hint)]);
}
