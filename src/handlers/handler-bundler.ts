// Compiles handler modules with esbuild into a build directory outside the app's tree (a cache
// directory under the datadir, or the manifest's buildDir), imports them and picks their exports; remembers
// what each module was built from, so the reloader knows what to watch and rebuild. Built by the
// worker at boot and by `streamd check`; the HandlerReloader calls it on every change.

import { randomBytes } from 'node:crypto';
import { rm, stat } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { HandlerLoadError } from './handler-load-error.js';
import { resolvePackagesPlugin } from './resolve-plugin.js';
import { customCodecProblem } from '../models/index.js';
import { buildProblems, importProblem, missingExportProblem, missingFileProblem, notACodecProblem, notAFunctionProblem } from './problems.js';
import { handlerKey, type HandlerFunction, type HandlerProblem, type HandlerRef, type LoadedExport } from './types.js';

/** What a HandlerBundler is built with. */
export interface HandlerBundlerOptions {
  /** The app's root: the manifest's directory. Relative imports and bare packages resolve from here. */
  readonly appRoot: string;
  /**
   * Where the bundles go; any writable directory (packages are resolved at build time, see
   * resolve-plugin.ts). The worker uses the manifest's `buildDir` (`<datadir>/.cache/handlers` unless
   * set). Default `<appRoot>/.streamd/build`.
   */
  readonly buildDir?: string;
}

/** One handler module as currently loaded. */
interface LoadedModule {
  readonly outputDir: string;
  /** The absolute source files bundled into it (itself and its relative imports), for watching. */
  readonly inputs: ReadonlySet<string>;
  /** Every ref loaded from this module, by key. */
  readonly refs: ReadonlyMap<string, HandlerRef>;
}

/** The outcome of compiling and importing one batch of modules, before it is committed. */
interface Batch {
  readonly outputDir: string;
  readonly modules: Map<string, { readonly inputs: Set<string>; readonly namespace: Record<string, unknown> }>;
  readonly problems: HandlerProblem[];
}

const isModuleFile = (key: string): boolean => !key.startsWith('<') && !/^[a-z-]+:/.test(key);

let hasEnabledSourceMaps = false;

/**
 * Turns on source-mapped stack traces once, before the first handler is imported: Node reads a
 * module's inline source map when it loads it, so a handler's runtime errors show its .ts lines.
 */
function enableSourceMaps(): void {
  if (hasEnabledSourceMaps) return;
  process.setSourceMapsEnabled(true);
  hasEnabledSourceMaps = true;
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/**
 * Compiles and loads handler modules. Each `load()` bundles the distinct files of its refs in one
 * esbuild build (`bundle`, `platform: node`, `format: esm`, `target: node20`, packages resolved at
 * build time and imported by URL, inline source maps) into a directory of its own (`<buildDir>/<instance>-<n>/`, so every build has
 * new URLs and Node's module cache cannot return a stale module), imports the output, and picks the
 * exports. Loads run one at a time. ESM modules are never unloaded: each reload keeps the previous
 * module graph in memory (Node cannot unload an ES module; a reload costs the old graph's memory).
 *
 * Output directories are removed once none of their modules is current, and all of them by
 * `dispose()`; leftovers of a killed process can be deleted whenever no worker runs.
 */
export class HandlerBundler {
  readonly appRoot: string;
  readonly buildDir: string;
  readonly #instance = randomBytes(4).toString('hex');
  #buildCount = 0;
  readonly #modules = new Map<string, LoadedModule>();
  readonly #handlers = new Map<string, HandlerFunction>();
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: HandlerBundlerOptions) {
    this.appRoot = resolve(options.appRoot);
    this.buildDir = resolve(options.buildDir ?? join(this.appRoot, '.streamd', 'build'));
  }

  /** Every handler currently loaded, by `handlerKey`. */
  get handlers(): ReadonlyMap<string, HandlerFunction> {
    return this.#handlers;
  }

  /** Every source file the current handlers were built from: what a watcher should watch. */
  get sourceFiles(): string[] {
    const files = new Set<string>();
    for (const [file, loaded] of this.#modules) {
      files.add(file);
      for (const input of loaded.inputs) files.add(input);
    }
    return [...files];
  }

  /** The handler modules that must be rebuilt when `changedFiles` change (each is a module or one of its inputs). */
  modulesAffectedBy(changedFiles: Iterable<string>): string[] {
    const changed = new Set([...changedFiles].map((file) => resolve(file)));
    return [...this.#modules].filter(([file, loaded]) => changed.has(file) || [...loaded.inputs].some((input) => changed.has(input))).map(([file]) => file);
  }

  /** The refs last loaded from the handler module `file`. */
  refsOf(file: string): HandlerRef[] {
    return [...(this.#modules.get(resolve(file))?.refs.values() ?? [])];
  }

  /**
   * Compiles and imports the modules of `refs`, and returns their handlers by `handlerKey`. All or
   * nothing: on any problem it throws one `HandlerLoadError` listing every problem found, and the
   * handlers loaded before stay current. On success the handlers replace those of the same keys.
   * A ref that `expects: 'codec'` comes back as the codec object (checked by `customCodecProblem`).
   */
  load(refs: readonly HandlerRef[]): Promise<ReadonlyMap<string, LoadedExport>> {
    const next = this.#queue.then(() => this.#load(refs));
    this.#queue = next.catch(() => undefined);
    return next;
  }

  /** Removes every output directory this bundler wrote. The loaded handlers keep working. */
  async dispose(): Promise<void> {
    await this.#queue;
    const dirs = new Set([...this.#modules.values()].map((loaded) => loaded.outputDir));
    this.#modules.clear();
    await Promise.all([...dirs].map((dir) => rm(dir, { recursive: true, force: true })));
  }

  async #load(refs: readonly HandlerRef[]): Promise<ReadonlyMap<string, LoadedExport>> {
    enableSourceMaps();
    const normalized = this.#withEarlierRefs(refs);
    const files = [...new Set(normalized.map((ref) => ref.file))];
    const exists = new Map(await Promise.all(files.map(async (file) => [file, await isFile(file)] as const)));
    const problems: HandlerProblem[] = [];
    for (const ref of normalized) if (exists.get(ref.file) !== true) problems.push(await missingFileProblem(ref, this.appRoot));
    const batch = await this.#compileAndImport(files.filter((file) => exists.get(file) === true));
    problems.push(...batch.problems);
    const loaded = new Map<string, LoadedExport>();
    for (const ref of normalized) {
      const module = batch.modules.get(ref.file);
      if (module === undefined) continue;
      const value = Object.hasOwn(module.namespace, ref.exportName) ? module.namespace[ref.exportName] : undefined;
      const notACodec = ref.expects === 'codec' ? customCodecProblem(value) : undefined;
      if (!Object.hasOwn(module.namespace, ref.exportName)) problems.push(await missingExportProblem(ref, Object.keys(module.namespace), this.appRoot));
      else if (notACodec !== undefined) problems.push(await notACodecProblem(ref, notACodec, this.appRoot));
      else if (ref.expects !== 'codec' && typeof value !== 'function') problems.push(await notAFunctionProblem(ref, value, this.appRoot));
      else loaded.set(handlerKey(ref), value as LoadedExport);
    }
    if (problems.length > 0) {
      await rm(batch.outputDir, { recursive: true, force: true });
      throw new HandlerLoadError(problems);
    }
    await this.#commit(normalized, batch, loaded);
    return loaded;
  }

  /** `refs` with absolute files, plus the refs loaded earlier from the same modules: a rebuilt module re-picks them all. */
  #withEarlierRefs(refs: readonly HandlerRef[]): HandlerRef[] {
    const byKey = new Map<string, HandlerRef>();
    for (const ref of refs) {
      const absolute = { ...ref, file: resolve(ref.file) };
      byKey.set(handlerKey(absolute), absolute);
    }
    for (const file of new Set([...byKey.values()].map((ref) => ref.file))) {
      for (const [key, ref] of this.#modules.get(file)?.refs ?? []) if (!byKey.has(key)) byKey.set(key, ref);
    }
    return [...byKey.values()];
  }

  async #compileAndImport(files: readonly string[]): Promise<Batch> {
    this.#buildCount += 1;
    const outputDir = join(this.buildDir, `${this.#instance}-${this.#buildCount}`);
    const batch: Batch = { outputDir, modules: new Map(), problems: [] };
    if (files.length === 0) return batch;
    const entries = files.map((file, index) => ({ in: file, out: `${index}-${basename(file, extname(file))}` }));
    let metafile: Metafile;
    try {
      const result = await build({
        absWorkingDir: this.appRoot,
        entryPoints: entries,
        outdir: outputDir,
        outExtension: { '.js': '.mjs' },
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        plugins: [resolvePackagesPlugin()],
        sourcemap: 'inline',
        metafile: true,
        write: true,
        logLevel: 'silent',
      });
      metafile = result.metafile;
    } catch (error) {
      batch.problems.push(...buildProblems(error, this.appRoot, files));
      return batch;
    }
    const inputsByEntry = new Map<string, Set<string>>();
    for (const output of Object.values(metafile.outputs)) {
      if (output.entryPoint === undefined) continue;
      const inputs = Object.keys(output.inputs).filter(isModuleFile).map((input) => resolve(this.appRoot, input));
      inputsByEntry.set(resolve(this.appRoot, output.entryPoint), new Set(inputs));
    }
    for (const entry of entries) {
      const inputs = inputsByEntry.get(entry.in) ?? new Set([entry.in]);
      const outputFile = join(outputDir, `${entry.out}.mjs`);
      try {
        const namespace = (await import(pathToFileURL(outputFile).href)) as Record<string, unknown>;
        batch.modules.set(entry.in, { inputs, namespace });
      } catch (error) {
        batch.problems.push(await importProblem(error, entry.in, inputs, this.appRoot));
      }
    }
    return batch;
  }

  /** Makes a successful batch current, and removes output directories that no current module uses. */
  async #commit(refs: readonly HandlerRef[], batch: Batch, loaded: ReadonlyMap<string, LoadedExport>): Promise<void> {
    const replacedDirs = new Set<string>();
    for (const [file, module] of batch.modules) {
      const previous = this.#modules.get(file);
      if (previous !== undefined) replacedDirs.add(previous.outputDir);
      const moduleRefs = new Map(refs.filter((ref) => ref.file === file).map((ref) => [handlerKey(ref), ref] as const));
      this.#modules.set(file, { outputDir: batch.outputDir, inputs: module.inputs, refs: moduleRefs });
    }
    // Codecs are loaded once (never reloaded): only handler functions are current for the reloader.
    for (const [key, handler] of loaded) if (typeof handler === 'function') this.#handlers.set(key, handler);
    const inUse = new Set([...this.#modules.values()].map((module) => module.outputDir));
    await Promise.all([...replacedDirs].filter((dir) => !inUse.has(dir)).map((dir) => rm(dir, { recursive: true, force: true })));
  }
}
