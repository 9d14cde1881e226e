// Faust's commit livelock warning (broker_commit_livelock_soft_timeout): a partition with delivered
// events whose committable offset has not moved for `softTimeoutMs` has an event that is never acked
// (a stuck or very slow handler). StreamSource checks it on every commit timer tick.

import type { Logger } from 'pino';
import type { Clock } from '../service/index.js';
import type { PartitionTracker } from './tracked-message.js';

interface Stall {
  readonly offset: bigint;
  readonly sinceMs: number;
  isWarned: boolean;
}

/** Warns once per stuck offset, naming the topic, the partition and the offset that holds commits back. */
export class LivelockWatch {
  readonly #softTimeoutMs: number;
  readonly #clock: Clock;
  readonly #log: Logger;
  #stalls = new Map<PartitionTracker, Stall>();

  constructor(softTimeoutMs: number, clock: Clock, log: Logger) {
    this.#softTimeoutMs = softTimeoutMs;
    this.#clock = clock;
    this.#log = log;
  }

  /** Looks at every current partition; returns how many warnings it logged (for tests). */
  check(trackers: Iterable<PartitionTracker>): number {
    const now = this.#clock.now();
    const stalls = new Map<PartitionTracker, Stall>();
    let warned = 0;
    for (const tracker of trackers) {
      const offset = tracker.committable();
      if (tracker.isRevoked || tracker.pending === 0 || offset === undefined) continue;
      const previous = this.#stalls.get(tracker);
      const stall = previous?.offset === offset ? previous : { offset, sinceMs: now, isWarned: false };
      stalls.set(tracker, stall);
      const stuckMs = now - stall.sinceMs;
      if (stall.isWarned || stuckMs < this.#softTimeoutMs) continue;
      stall.isWarned = true;
      warned += 1;
      this.#log.warn(
        { topic: tracker.topic, partition: tracker.partition, offset: String(offset), stuckMs, pending: tracker.pending, commitLivelockSoftTimeoutMs: this.#softTimeoutMs },
        `commit livelock: ${tracker.topic}[${tracker.partition}] has not committed past offset ${offset} for ${stuckMs} ms: the event at that offset is still not acked (a stuck or very slow handler)`,
      );
    }
    this.#stalls = stalls;
    return warned;
  }
}
