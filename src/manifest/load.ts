// The YAML manifest loader and `loadManifest`, which picks a loader by extension. YAML: read → parse
// (positions) → interpolate → the common checks of pipeline.ts. Each stage stops the load with every
// problem it found, because later stages would only report echoes of them. Called through index.ts.

import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { interpolate } from './interpolate.js';
import type { LoadManifestOptions } from './options.js';
import { checkManifest, fail, positionless } from './pipeline.js';
import { loadTypeScriptManifest } from './typescript.js';
import type { Manifest } from './types.js';
import { YamlSource } from './yaml-source.js';

export type { LoadManifestOptions } from './options.js';

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
  const sourcePath = resolve(options.cwd ?? process.cwd(), path);
  const text = await readSource(sourcePath);
  const { source, problems: syntax } = YamlSource.parse(sourcePath, text);
  if (syntax.length > 0) fail(syntax);

  const interpolation = interpolate(source, options.env);
  if (interpolation.length > 0) fail(interpolation);

  const document: unknown = source.doc.toJS();
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    fail([source.problem(source.locate([]).span, '', 'a manifest is a mapping of keys such as id, topics and agents', { expected: 'a YAML mapping' })]);
  }
  return checkManifest({ sourcePath, document: document as Record<string, unknown>, source }, options);
}

/**
 * Loads the manifest at `path`, picking the loader by extension: `.yaml`/`.yml`, or `.ts`/`.mts`
 * (`export default defineApp({...})`, compiled with esbuild; no `${VAR}` interpolation, it reads
 * process.env itself).
 */
export async function loadManifest(path: string, options: LoadManifestOptions): Promise<Manifest> {
  const extension = extname(path).toLowerCase();
  if (extension === '.yaml' || extension === '.yml') return loadYamlManifest(path, options);
  if (extension === '.ts' || extension === '.mts') return loadTypeScriptManifest(path, options);
  const file = resolve(options.cwd ?? process.cwd(), path);
  return fail([positionless(file, `cannot load a manifest from a ${extension === '' ? 'file without an extension' : `${extension} file`}`, 'name a .yaml, .yml or .ts file')]);
}
