// KeyCensus: counts the keys a cold restore leaves in a store, up to a limit, so that the restore
// knows whether the store is small enough to be read into a partition's clean cache (TablePartition
// `warm`) without reading it to find out. A warm of a store with more keys than the cache holds reads
// `limit` entries and throws them away: 20,000 entries per partition, the longest step of a cold
// restore of a large table after the changelog itself.

import type { ChangelogKeyReader } from './key-encoding.js';

export class KeyCensus {
  readonly #limit: number;
  /** The keys the store holds now; undefined once more than `limit` were seen (and tracking stopped). */
  #keys: Set<string> | undefined = new Set();

  /** `limit`: the most keys worth counting (the clean cache's size). */
  constructor(limit: number) {
    this.#limit = limit;
  }

  /**
   * True when the store held more than `limit` keys at some point of the restore. Keys deleted
   * after that are not counted back: the store may then hold fewer, and a warm of it is skipped
   * (reads of keys it lacks go to the store, as for any store past the cache's size).
   */
  get isOverLimit(): boolean {
    return this.#keys === undefined;
  }

  /** `keyOf`, counting each key it reads: a tombstone's key leaves the store, any other enters it. */
  counting(keyOf: ChangelogKeyReader): ChangelogKeyReader {
    return (record) => {
      const read = keyOf(record);
      const keys = this.#keys;
      if (read === undefined || keys === undefined) return read;
      const id = read.key.toString('latin1');
      if (record.value === null) keys.delete(id);
      else if (keys.add(id).size > this.#limit) this.#keys = undefined;
      return read;
    };
  }
}
