// Notifier: the wake-up signal of the embedded broker's waiting loops (a consumer's fetch loop waits
// on one for appends, rebalances, resumes, seeks and stop). A wait never spins: it is one
// timers/promises sleep that `notify()` aborts.

import { setTimeout as sleep } from 'node:timers/promises';

/** Node fires a longer timer after 1 ms, which would turn a long wait into a spin. */
const MAX_TIMER_MS = 2_147_483_647;

/** `ms` as a timer delay Node honours: at most about 24.8 days. */
export function timerMs(ms: number): number {
  return Math.min(Math.max(0, ms), MAX_TIMER_MS);
}

export class Notifier {
  readonly #waiters = new Set<AbortController>();
  /** A notify() with nobody waiting is kept, so a wake-up between a check and a wait is never lost. */
  #hasPending = false;

  /** Resolves when `notify()` is called or after `timeoutMs`, whichever comes first. */
  async wait(timeoutMs: number): Promise<void> {
    if (this.#hasPending) {
      this.#hasPending = false;
      return;
    }
    const controller = new AbortController();
    this.#waiters.add(controller);
    try {
      await sleep(timerMs(timeoutMs), undefined, { signal: controller.signal });
    } catch (err) {
      if (!controller.signal.aborted) throw err;
    } finally {
      this.#waiters.delete(controller);
    }
  }

  /** Wakes every current waiter, or the next one to wait when nobody is waiting. */
  notify(): void {
    if (this.#waiters.size === 0) {
      this.#hasPending = true;
      return;
    }
    for (const controller of this.#waiters) controller.abort();
    this.#waiters.clear();
  }
}
