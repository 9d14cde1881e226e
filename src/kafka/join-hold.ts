// JoinHold: a consumer's side of RebalancingEvent (types.ts) — it collects the work that listeners
// of `rebalancing` hand over, and holds the member's next join until that work has settled or the
// hold's bound has passed. Both drivers use it: kafkajs before it sends JoinGroup, the embedded
// broker before a member rejoins its group.

import type { Logger } from 'pino';
import type { RebalancingEvent } from './types.js';

export class JoinHold {
  readonly #timeoutMs: number;
  readonly #log: Logger;
  #work: Promise<unknown>[] = [];
  #rejoined = new AbortController();

  /** `timeoutMs`: the longest a join waits for the work (keep it well under the rebalance timeout). */
  constructor(timeoutMs: number, log: Logger) {
    this.#timeoutMs = Math.min(Math.max(0, timeoutMs), 2 ** 31 - 1);
    this.#log = log;
  }

  /** The event for a rebalance that starts now: work handed to it holds the next join. */
  open(): RebalancingEvent {
    if (this.#rejoined.signal.aborted) this.#rejoined = new AbortController();
    const signal = this.#rejoined.signal;
    return {
      holdJoin: (work) => {
        // Work handed over after the join went out holds nothing: the assignment is gone already.
        if (!signal.aborted) this.#work.push(work);
      },
      rejoined: signal,
    };
  }

  /** True while work of the current rebalance has not settled. */
  get isHolding(): boolean {
    return this.#work.length > 0;
  }

  /**
   * Waits for the work handed over (each piece either way), at most the bound, then marks the join
   * as sent: `rejoined` aborts. Resolves at once when nothing was handed over.
   */
  async release(): Promise<void> {
    const work = this.#work;
    this.#work = [];
    if (work.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), this.#timeoutMs)));
      const settled = Promise.allSettled(work).then(() => false);
      const isLate = await Promise.race([settled, timedOut]);
      clearTimeout(timer);
      if (isLate) {
        this.#log.warn({ timeoutMs: this.#timeoutMs }, 'rejoining the group before the revoke commit ended: what it had not sent yet is dropped, and its events will be processed again');
      }
    }
    this.#rejoined.abort();
  }
}
