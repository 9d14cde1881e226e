// The TypeScript manifest loader: compiles app.ts with esbuild into `<manifestDir>/.streamd/build/`,
// imports it, and turns its default export into the plain document the common checks (pipeline.ts)
// validate; handler functions are set aside and come back as `kind: 'function'` references.
// No `${VAR}` interpolation: app.ts reads process.env itself. Called by `loadManifest` for .ts/.mts.

import { randomBytes } from 'node:crypto';
import { mkdir, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Location, Message } from 'esbuild';
import type { InlineHandlers } from './context.js';
import { ObjectSource } from './object-source.js';
import type { LoadManifestOptions } from './options.js';
import { formatPath, type ManifestPath } from './path.js';
import { checkManifest, fail, positionless } from './pipeline.js';
import { TABLE_HOOK_NAMES, type FunctionHandlerReference, type Manifest, type ManifestProblem } from './types.js';

/** The manifest keys whose value may be a function in a TypeScript manifest. */
const HANDLER_KEYS: ReadonlySet<unknown> = new Set(['handler', 'onWindowClose', ...TABLE_HOOK_NAMES]);
const isHandlerKey = (key: unknown): boolean => HANDLER_KEYS.has(key);

const DEFINE_APP_HINT = 'end app.ts with: export default defineApp({ id: …, topics: …, agents: … })';

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/** A problem at line 1, column 1 of the manifest: about the module as a whole. */
function atTop(file: string, message: string, hint?: string): ManifestProblem {
  return { file, line: 1, column: 1, path: '', message, ...(hint === undefined ? {} : { hint }) };
}

/** esbuild counts columns and lengths in UTF-8 bytes; problems count characters. */
function characterSpan(location: Location): { column: number; width: number } {
  const bytes = Buffer.from(location.lineText, 'utf8');
  const before = bytes.subarray(0, location.column).toString('utf8').length;
  const width = bytes.subarray(location.column, location.column + location.length).toString('utf8').length;
  return { column: before + 1, width: Math.max(1, width) };
}

/** One problem per esbuild error, at its file:line:col. */
function buildProblems(error: unknown, workingDir: string, sourcePath: string): ManifestProblem[] {
  const errors = (error as { errors?: unknown }).errors;
  if (!Array.isArray(errors) || errors.length === 0) {
    return [positionless(sourcePath, `esbuild failed: ${error instanceof Error ? error.message : String(error)}`)];
  }
  return (errors as Message[]).map((message): ManifestProblem => {
    const hint = message.notes.map((note) => note.text).filter((text) => text !== '').join('; ');
    const extra = hint === '' ? {} : { hint };
    const location = message.location;
    if (location === null) return { ...positionless(sourcePath, message.text), ...extra };
    const span = characterSpan(location);
    return {
      file: resolve(workingDir, location.file),
      line: location.line,
      column: span.column,
      path: '',
      message: message.text,
      ...extra,
      excerpt: { lineText: location.lineText, width: span.width },
    };
  });
}

/** Compiles and imports app.ts; its output file is removed once imported (the module stays loaded). */
async function importManifestModule(sourcePath: string): Promise<Record<string, unknown>> {
  const { build } = await import('esbuild');
  const workingDir = dirname(sourcePath);
  // Inside the project, not /tmp: with `packages: 'external'`, bare imports resolve from the output file.
  const outputDir = join(workingDir, '.streamd', 'build', `manifest-${randomBytes(6).toString('hex')}`);
  await mkdir(outputDir, { recursive: true });
  try {
    const outfile = join(outputDir, 'app.mjs');
    try {
      await build({
        absWorkingDir: workingDir,
        entryPoints: [sourcePath],
        outfile,
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        packages: 'external',
        sourcemap: 'inline',
        keepNames: true,
        write: true,
        logLevel: 'silent',
      });
    } catch (error) {
      return fail(buildProblems(error, workingDir, sourcePath));
    }
    try {
      return (await import(pathToFileURL(outfile).href)) as Record<string, unknown>;
    } catch (error) {
      const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return fail([atTop(sourcePath, `the manifest threw while it was imported: ${what}`)]);
    }
  } finally {
    await rm(outputDir, { recursive: true, force: true });
  }
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The name a function handler is shown by: its own, else the declaration's (`count`, `views[0]`). */
function handlerText(fn: FunctionHandlerReference['fn'], path: ManifestPath): string {
  // `{ handler: async function* () {} }` names the function "handler": that says nothing.
  if (fn.name !== '' && fn.name !== 'handler') return fn.name;
  const owner = path.slice(0, -1);
  const last = owner.at(-1);
  return typeof last === 'string' ? last : formatPath(owner);
}

/**
 * The default export as JSON-like data: `undefined` members dropped, each function at a `handler` key
 * replaced by its display text and set aside in `handlers`. Other functions and non-JSON values are problems.
 */
function toDocument(value: unknown, path: ManifestPath, file: string, out: { handlers: Map<string, FunctionHandlerReference['fn']>; problems: ManifestProblem[] }): unknown {
  if (path.length === 2 && path[0] === 'codecs' && typeof value !== 'string') {
    // Codecs load with their own bundle (src/cli/codec-modules.ts), so app.ts names them as YAML does.
    out.problems.push({ ...positionless(file, 'a codec is named by "./file.ts#export" in app.ts too', 'export the codec from a module of its own and name it here'), path: formatPath(path) });
    return null;
  }
  if (typeof value === 'function') {
    if (isHandlerKey(path.at(-1))) {
      const fn = value as FunctionHandlerReference['fn'];
      out.handlers.set(formatPath(path), fn);
      return handlerText(fn, path);
    }
    out.problems.push({ ...positionless(file, 'a function is only allowed as a handler'), path: formatPath(path) });
    return null;
  }
  if (Array.isArray(value)) return value.map((item, i) => toDocument(item, [...path, i], file, out));
  if (isPlainObject(value)) {
    const entries = Object.entries(value).filter(([, member]) => member !== undefined);
    return Object.fromEntries(entries.map(([key, member]) => [key, toDocument(member, [...path, key], file, out)]));
  }
  if (typeof value === 'bigint' || typeof value === 'symbol') {
    out.problems.push({ ...positionless(file, `a ${typeof value} is not a manifest value`), path: formatPath(path) });
    return null;
  }
  return value;
}

/** Loads, checks and normalises the TypeScript manifest at `path`; throws ManifestError listing every problem. */
export async function loadTypeScriptManifest(path: string, options: LoadManifestOptions): Promise<Manifest> {
  const sourcePath = resolve(options.cwd ?? process.cwd(), path);
  if (!(await isFile(sourcePath))) fail([positionless(sourcePath, 'manifest file does not exist')]);
  const module = await importManifestModule(sourcePath);
  if (!Object.hasOwn(module, 'default')) fail([atTop(sourcePath, 'the manifest has no default export', DEFINE_APP_HINT)]);
  const exported = module['default'];
  if (!isPlainObject(exported)) {
    const got = exported === null ? 'null' : Array.isArray(exported) ? 'a list' : `a ${typeof exported}`;
    fail([atTop(sourcePath, `the default export must be an object such as defineApp({...}) returns, got ${got}`, DEFINE_APP_HINT)]);
  }
  const converted = { handlers: new Map<string, FunctionHandlerReference['fn']>(), problems: [] as ManifestProblem[] };
  const document = toDocument(exported, [], sourcePath, converted) as Record<string, unknown>;
  if (converted.problems.length > 0) fail(converted.problems);
  const inlineHandlers: InlineHandlers = converted.handlers;
  return checkManifest({ sourcePath, document, source: new ObjectSource(sourcePath, document), inlineHandlers }, options);
}
