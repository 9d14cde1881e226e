// The windowed tables' two loops, run under the Tables service: close due windows every second
// (window-closing.ts) and expire old ones every tableCleanupIntervalMs. The worker's drain stops the
// closing before its last commit (stopClosing), so that commit carries every close made.

import type { Logger } from 'pino';
import type { Clock } from '../service/index.js';
import { closeDueWindows, expireWindows, type ClosingHooks } from './window-closing.js';
import type { WindowedRuntime } from './windowed-runtime.js';

const WINDOW_CLOSE_CHECK_MS = 1000;

export interface WindowLoopsOptions {
  readonly windowed: ReadonlyMap<string, WindowedRuntime>;
  readonly clock: Clock;
  readonly log: Logger;
  readonly cleanupIntervalMs: number;
  readonly hooks: ClosingHooks;
  /** Runs a loop under the owning service (Service.spawn): it ends with the service. */
  readonly spawn: (name: string, loop: (signal: AbortSignal) => Promise<void>) => void;
}

export class WindowLoops {
  readonly #options: WindowLoopsOptions;
  /** False once the worker's drain began: no window closes after its last commit. */
  #isClosing = true;
  #closeTick: Promise<void> = Promise.resolve();

  constructor(options: WindowLoopsOptions) {
    this.#options = options;
  }

  start(): void {
    const { windowed, clock, log, hooks, spawn, cleanupIntervalMs } = this.#options;
    spawn('window close', async (signal) => {
      while (!signal.aborted) {
        await clock.sleep(WINDOW_CLOSE_CHECK_MS, signal);
        if (!this.#isClosing) continue;
        this.#closeTick = (async () => {
          for (const runtime of windowed.values()) await closeDueWindows(runtime, clock.now(), hooks);
        })();
        await this.#closeTick;
      }
    });
    spawn('window cleanup', async (signal) => {
      while (!signal.aborted) {
        await clock.sleep(cleanupIntervalMs, signal);
        for (const runtime of windowed.values()) {
          const deleted = await expireWindows(runtime);
          if (deleted > 0) log.info({ table: runtime.table.name, windows: deleted }, `expired ${deleted} windows of ${runtime.table.name}: deleted from the store, tombstoned in the changelog`);
        }
      }
    });
  }

  /** Stops closing windows and waits for a close in progress. */
  async stopClosing(): Promise<void> {
    this.#isClosing = false;
    await this.#closeTick.catch(() => undefined);
  }
}
