// The onWindowClose handlers of windowed tables, by table name: called by the tables' window closing
// with each closed window and a handler context without a current event (as a timer's). Swapped by
// hot reload; a failing handler is logged and the window stays closed.

import type { Logger } from 'pino';
import type { HandlerContext } from '../agents/index.js';
import type { ClosedWindow } from '../tables/index.js';
import { jobContext, type TimerContextParts } from '../timers/index.js';

/** An onWindowClose handler: the closed window, and a context as a timer's. */
export type WindowCloseHandler = (closed: ClosedWindow, context: HandlerContext) => unknown;

export class WindowCloseHandlers {
  readonly #handlers: Map<string, WindowCloseHandler>;
  readonly #log: Logger;
  readonly #parts: () => TimerContextParts;
  readonly #signal: () => AbortSignal;
  readonly #onError: (table: string) => void;

  constructor(options: { handlers: ReadonlyMap<string, WindowCloseHandler>; log: Logger; parts: () => TimerContextParts; signal: () => AbortSignal; onError: (table: string) => void }) {
    this.#handlers = new Map(options.handlers);
    this.#log = options.log;
    this.#parts = options.parts;
    this.#signal = options.signal;
    this.#onError = options.onError;
  }

  /** Swaps the handler of `table`; false (nothing changed) when the table has none. */
  replace(table: string, handler: WindowCloseHandler): boolean {
    if (!this.#handlers.has(table)) return false;
    this.#handlers.set(table, handler);
    return true;
  }

  async run(table: string, closed: ClosedWindow): Promise<void> {
    const handler = this.#handlers.get(table);
    if (handler === undefined) return;
    const log = this.#log.child({ onWindowClose: table });
    try {
      await handler(closed, jobContext(this.#parts(), `onWindowClose ${table}`, log, this.#signal()));
    } catch (err) {
      this.#onError(table);
      log.error({ err, table, key: closed.key, start: closed.start, end: closed.end }, `onWindowClose of ${table} failed; the window stays closed and is not offered again`);
    }
  }
}
