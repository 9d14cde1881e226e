// The worker's side of the manifest's views: their current handlers (swapped by hot reload, read at
// each request) and their context, built like a timer's. The web routes see it as a `ViewSource`.

import type { Logger } from 'pino';
import { ConfigError } from '../errors/index.js';
import type { ViewDeclaration } from '../manifest/index.js';
import type { WorkerMetrics } from '../metrics/index.js';
import { jobContext, type TimerContextParts } from '../timers/index.js';
import type { View, ViewContext, ViewSource } from '../web/index.js';

/** A view's name: `<METHOD> <path>`, e.g. `GET /pages/:page` (unique: the manifest check refuses duplicates). */
export function viewName(view: Pick<ViewDeclaration, 'method' | 'path'>): string {
  return `${view.method} ${view.path}`;
}

export class ViewRuntime implements ViewSource {
  readonly routes: ViewSource['routes'];
  readonly #handlers: Map<string, View>;
  readonly #parts: () => TimerContextParts;
  readonly #metrics: Pick<WorkerMetrics, 'viewError'>;

  /** Throws ConfigError for a declared view without a loaded handler. */
  constructor(views: readonly ViewDeclaration[], handlers: ReadonlyMap<string, View>, parts: () => TimerContextParts, metrics: Pick<WorkerMetrics, 'viewError'>) {
    this.routes = views.map((view) => ({ name: viewName(view), method: view.method, path: view.path, ...(view.routeBy === undefined ? {} : { routeBy: view.routeBy }) }));
    this.#handlers = new Map();
    for (const { name } of this.routes) {
      const handler = handlers.get(name);
      if (handler === undefined) throw new ConfigError(`view ${name}: no handler was loaded for it`);
      this.#handlers.set(name, handler);
    }
    this.#parts = parts;
    this.#metrics = metrics;
  }

  handler(name: string): View | undefined {
    return this.#handlers.get(name);
  }

  context(name: string, log: Logger, signal: AbortSignal): ViewContext {
    return jobContext(this.#parts(), `view ${name}`, log, signal);
  }

  failed(name: string): void {
    this.#metrics.viewError(name);
  }

  /** Swaps the handler of a declared view: the next request uses it. False for an unknown view. */
  replace(name: string, handler: View): boolean {
    if (!this.#handlers.has(name)) return false;
    this.#handlers.set(name, handler);
    return true;
  }
}
