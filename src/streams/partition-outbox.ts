// Under exactly_once, what processing one input partition sends waits here, with the offset of the
// input record that sent it, until a commit takes the records of every offset below the committed
// one into that partition's transaction. One outbox per PartitionTracker, so it lives and dies
// with the tracker's generation: a handler still finishing an event of a revoked assignment adds to
// a revoked tracker, and nothing it sends reaches a transaction.

import type { ProducerRecord } from '../kafka/index.js';

/** The input record a send belongs to: its partition (of one generation) and offset. */
export interface SendSource {
  readonly tracker: { readonly isRevoked: boolean; readonly outbox: PartitionOutbox; readonly topic: string; readonly partition: number };
  readonly offset: bigint;
}

interface Entry {
  readonly offset: bigint;
  readonly record: ProducerRecord;
}

export class PartitionOutbox {
  #entries: Entry[] = [];

  /** Records waiting for a commit. */
  get size(): number {
    return this.#entries.length;
  }

  add(offset: bigint, record: ProducerRecord): void {
    this.#entries.push({ offset, record });
  }

  /**
   * Takes the records of every input offset below `before` (the offset the commit commits), in the
   * order they were sent; records of later offsets stay for a later commit.
   */
  take(before: bigint): ProducerRecord[] {
    const taken: ProducerRecord[] = [];
    const kept: Entry[] = [];
    for (const entry of this.#entries) {
      if (entry.offset < before) taken.push(entry.record);
      else kept.push(entry);
    }
    this.#entries = kept;
    return taken;
  }

  clear(): void {
    this.#entries = [];
  }
}
