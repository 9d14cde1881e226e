// A virtual clock for tests: time moves only when the test calls `advance`, which wakes due
// sleepers in time order. Used by the service tests and by any test that drives backoff or windows.

import { setImmediate as nextTurn } from 'node:timers/promises';
import { abortError } from './abort.js';
import type { Clock } from './clock.js';

interface Sleeper {
  readonly dueMs: number;
  readonly wake: () => void;
}

/** A `Clock` whose time stands still until `advance(ms)`. Sleeps of 0 ms or less resolve at once. */
export class ManualClock implements Clock {
  #nowMs: number;
  readonly #sleepers: Sleeper[] = [];

  constructor(startMs = 0) {
    this.#nowMs = startMs;
  }

  now(): number {
    return this.#nowMs;
  }

  /** How many sleeps are waiting; tests wait for this to know that a backoff has begun. */
  get pendingSleeps(): number {
    return this.#sleepers.length;
  }

  /** When the earliest pending sleep is due, or undefined with none pending. */
  get nextDueMs(): number | undefined {
    return this.#sleepers[0]?.dueMs;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted === true) return Promise.reject(abortError(signal));
    if (ms <= 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.#remove(sleeper);
        reject(abortError(signal!));
      };
      const sleeper: Sleeper = {
        dueMs: this.#nowMs + ms,
        wake: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#insert(sleeper);
    });
  }

  /**
   * Moves time forward by `ms`, waking each due sleeper in order (earliest first, then in the order
   * they began) with the clock set to its due time. Between wake-ups it lets the woken code run, so
   * a sleep that code begins inside the advanced span also wakes before `advance` resolves.
   */
  async advance(ms: number): Promise<void> {
    const targetMs = this.#nowMs + ms;
    for (;;) {
      await nextTurn();
      const next = this.#sleepers[0];
      if (next === undefined || next.dueMs > targetMs) break;
      this.#sleepers.shift();
      this.#nowMs = next.dueMs;
      next.wake();
    }
    this.#nowMs = targetMs;
  }

  #insert(sleeper: Sleeper): void {
    const index = this.#sleepers.findIndex((other) => other.dueMs > sleeper.dueMs);
    if (index === -1) this.#sleepers.push(sleeper);
    else this.#sleepers.splice(index, 0, sleeper);
  }

  #remove(sleeper: Sleeper): void {
    const index = this.#sleepers.indexOf(sleeper);
    if (index !== -1) this.#sleepers.splice(index, 1);
  }
}
