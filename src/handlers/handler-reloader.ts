// The handler reloader service: watches every source file the current handlers were built from,
// rebuilds the modules a change affects, and hands the new functions to `onReload`. The worker's tree
// starts it last; the swap at a commit barrier is the caller's job, not this service's.

import { EventEmitter, once } from 'node:events';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { watch, type FSWatcher } from 'chokidar';
import type { Logger } from 'pino';
import { hasCode } from '../errors/index.js';
import { Service } from '../service/index.js';
import type { HandlerBundler } from './handler-bundler.js';
import { HANDLER_ERROR_CODE, type HandlerLoadError } from './handler-load-error.js';
import type { HandlerFunction, LoadedExport } from './types.js';

/**
 * Receives the handlers after a successful rebuild: every current handler by `handlerKey` (the
 * rebuilt ones new, the others as they were), and the keys that were rebuilt. A rejection is logged;
 * the reloader keeps watching.
 */
export type ReloadListener = (handlers: ReadonlyMap<string, HandlerFunction>, rebuiltKeys: ReadonlySet<string>) => void | Promise<void>;

/** What a HandlerReloader is built with. */
export interface HandlerReloaderOptions {
  readonly logger: Logger;
  /** The bundler that loaded the current handlers; the reloader watches its `sourceFiles`. */
  readonly bundler: HandlerBundler;
  readonly onReload: ReloadListener;
  /** Default `handler reloader`. */
  readonly name?: string;
  /**
   * Default 100: quiet time after the last change before rebuilding. Too low: a save that touches
   * several files rebuilds (and swaps) more than once; too high: every reload feels slow.
   */
  readonly debounceMs?: number;
  /**
   * Default 50: a file must stop growing for this long before its change counts (chokidar's
   * `awaitWriteFinish`). Too low: a half-written file is compiled and fails; too high: slower reloads.
   */
  readonly writeFinishMs?: number;
}

/**
 * Watches the handler sources (chokidar, `ignoreInitial`) and reloads on change. Changes are
 * debounced and collected; the modules they affect (a changed module, or a module that imports a
 * changed file) are rebuilt in one batch. A rebuild that fails is logged, with file, line and
 * column, and the previous handlers keep running; the next change tries again. Rebuilds run one at a
 * time; a change during a rebuild is picked up after it.
 */
export class HandlerReloader extends Service {
  readonly #bundler: HandlerBundler;
  readonly #onReload: ReloadListener;
  readonly #debounceMs: number;
  readonly #writeFinishMs: number;
  readonly #changes = new EventEmitter();
  readonly #pending = new Set<string>();
  #generation = 0;
  #watched = new Set<string>();
  #watcher: FSWatcher | undefined;

  constructor(options: HandlerReloaderOptions) {
    super({ name: options.name ?? 'handler reloader', logger: options.logger });
    this.#bundler = options.bundler;
    this.#onReload = options.onReload;
    this.#debounceMs = options.debounceMs ?? 100;
    this.#writeFinishMs = options.writeFinishMs ?? 50;
  }

  /** The files being watched. */
  get watchedFiles(): string[] {
    return [...this.#watched];
  }

  protected override async onStart(): Promise<void> {
    this.#watched = new Set(this.#bundler.sourceFiles);
    const watcher = watch([...this.#watched], {
      ignoreInitial: true,
      awaitWriteFinish: { stabilityThreshold: this.#writeFinishMs, pollInterval: Math.max(5, Math.floor(this.#writeFinishMs / 5)) },
    });
    this.#watcher = watcher;
    watcher.on('all', (event, path) => {
      if (event === 'add' || event === 'change' || event === 'unlink') this.#noteChange(path);
    });
    watcher.on('error', (error) => this.log.warn({ err: error }, 'file watcher error'));
    try {
      await once(watcher, 'ready', { signal: this.signal });
    } catch (error) {
      // onStop runs only after a successful onStart, so close here what this start opened.
      await watcher.close();
      throw error;
    }
    this.log.info({ files: this.#watched.size }, 'watching handler sources');
    this.spawn('rebuild', (signal) => this.#rebuildLoop(signal));
  }

  protected override async onStop(): Promise<void> {
    await this.#watcher?.close();
  }

  #noteChange(path: string): void {
    const file = resolve(path);
    if (!this.#watched.has(file)) return;
    this.#pending.add(file);
    this.#generation += 1;
    this.#changes.emit('change');
  }

  async #rebuildLoop(signal: AbortSignal): Promise<void> {
    for (;;) {
      if (this.#pending.size === 0) await once(this.#changes, 'change', { signal });
      let seen: number;
      do {
        seen = this.#generation;
        await delay(this.#debounceMs, undefined, { signal });
      } while (seen !== this.#generation);
      const changed = [...this.#pending];
      this.#pending.clear();
      await this.#rebuild(changed);
    }
  }

  async #rebuild(changed: readonly string[]): Promise<void> {
    const modules = this.#bundler.modulesAffectedBy(changed);
    if (modules.length === 0) return;
    const startedAt = performance.now();
    let rebuilt: ReadonlyMap<string, LoadedExport>;
    try {
      rebuilt = await this.#bundler.load(modules.flatMap((file) => this.#bundler.refsOf(file)));
    } catch (error) {
      this.#logFailure(error, changed);
      return;
    }
    this.#syncWatchList();
    const durationMs = Math.round(performance.now() - startedAt);
    this.log.info({ changed, modules, handlers: [...rebuilt.keys()], durationMs }, 'handlers rebuilt');
    try {
      await this.#onReload(new Map(this.#bundler.handlers), new Set(rebuilt.keys()));
    } catch (error) {
      this.log.error({ err: error }, 'onReload failed after a successful rebuild');
    }
  }

  #logFailure(error: unknown, changed: readonly string[]): void {
    if (!hasCode(error, HANDLER_ERROR_CODE)) {
      this.log.error({ err: error, changed }, 'handler rebuild failed; the previous handlers keep running');
      return;
    }
    const { file, line, column, problems, message } = error as HandlerLoadError;
    const where = problems.map((problem) => ({ kind: problem.kind, file: problem.file, line: problem.line, column: problem.column, message: problem.message }));
    this.log.error({ code: HANDLER_ERROR_CODE, file, line, column, problems: where, changed }, `handler rebuild failed; the previous handlers keep running\n${message}`);
  }

  /** Watches what the current handlers were built from now: new imports in, dropped ones out. */
  #syncWatchList(): void {
    const next = new Set(this.#bundler.sourceFiles);
    const added = [...next].filter((file) => !this.#watched.has(file));
    const removed = [...this.#watched].filter((file) => !next.has(file));
    this.#watched = next;
    if (added.length > 0) this.#watcher?.add(added);
    if (removed.length > 0) this.#watcher?.unwatch(removed);
  }
}
