// The table partitions being recovered right now and how far each has come: what `/ready` shows
// while a worker is not ready. Tables begins an entry before a partition's catch-up and ends it after.

import type { Clock } from '../service/index.js';

/** A table partition being recovered now. */
export interface RecoveryProgress {
  readonly table: string;
  readonly partition: number;
  /** Changelog records applied so far. */
  readonly records: number;
  /** Changelog offsets still to read before the partition is recovered. */
  readonly remaining: number;
  /** Records applied per second since its recovery began (0 at first). */
  readonly ratePerSecond: number;
}

/** One recovery under way: told of each applied batch, ended when the catch-up settles. */
export interface RecoveryInFlight {
  applied(batch: { readonly nextOffset: bigint; readonly records: readonly unknown[] }): void;
  end(): void;
}

interface Entry {
  readonly table: string;
  readonly partition: number;
  readonly startedMs: number;
  readonly end: bigint;
  position: bigint;
  records: number;
}

export class RecoveriesInFlight {
  readonly #clock: Clock;
  /** By `table[partition]`, in the order they began. */
  readonly #entries = new Map<string, Entry>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Starts tracking the recovery of `table[partition]` from changelog offset `from` to `end`. */
  begin(table: string, partition: number, from: bigint, end: bigint): RecoveryInFlight {
    const key = `${table}[${partition}]`;
    const entry: Entry = { table, partition, startedMs: this.#clock.now(), end, position: from, records: 0 };
    this.#entries.set(key, entry);
    return {
      applied: (batch) => {
        entry.position = batch.nextOffset;
        entry.records += batch.records.length;
      },
      end: () => {
        if (this.#entries.get(key) === entry) this.#entries.delete(key);
      },
    };
  }

  /** Every recovery under way (empty when none is). */
  list(): RecoveryProgress[] {
    const nowMs = this.#clock.now();
    return [...this.#entries.values()].map(({ table, partition, startedMs, end, position, records }) => {
      const seconds = (nowMs - startedMs) / 1000;
      return { table, partition, records, remaining: end > position ? Number(end - position) : 0, ratePerSecond: seconds > 0 ? Math.round(records / seconds) : 0 };
    });
  }
}
