// Acknowledgement bookkeeping for one partition: which delivered offsets are still unacked, and
// so which offset is safe to commit. Owned by the consumer service; events release references.

import { PartitionOutbox } from './partition-outbox.js';

/** One delivered record with one reference per stream that received it. */
export class TrackedMessage {
  readonly offset: bigint;
  refs: number;
  readonly #partition: PartitionTracker;

  constructor(partition: PartitionTracker, offset: bigint, refs: number) {
    this.#partition = partition;
    this.offset = offset;
    this.refs = refs;
  }

  /** The partition (of this generation) the record was delivered on. */
  get tracker(): PartitionTracker {
    return this.#partition;
  }

  /** Drops one reference; the last one settles the message. Extra releases are ignored. */
  release(): void {
    if (this.refs <= 0) return;
    this.refs -= 1;
    if (this.refs === 0) this.#partition.settle();
  }
}

/**
 * The delivered-but-unacked offsets of one partition, in delivery (= offset) order. The committable
 * offset is the first unacked one — never past a gap — or, with nothing pending, the offset after
 * the last delivered record (Kafka's "next offset to read").
 */
export class PartitionTracker {
  readonly topic: string;
  readonly partition: number;
  /** Exactly-once only: what processing this partition sent, waiting for its transaction. */
  readonly outbox = new PartitionOutbox();
  #queue: TrackedMessage[] = [];
  #head = 0;
  /** The last offset delivered (its successor is Kafka's "next offset to read"): kept as is, no BigInt sum per record. */
  #last: bigint | undefined;
  #committed: bigint | undefined;
  #isRevoked = false;
  readonly #onSettled: (count: number) => void;

  /** `onSettled(n)` is told how many messages just became fully acked (drives commitEvery). */
  constructor(topic: string, partition: number, onSettled: (count: number) => void) {
    this.topic = topic;
    this.partition = partition;
    this.#onSettled = onSettled;
  }

  /** True for an offset at or below one already delivered: a refetch to be ignored. */
  isRead(offset: bigint): boolean {
    return this.#last !== undefined && offset <= this.#last;
  }

  /** Registers a delivered record; with `refs` 0 it is settled at once (skipped, or no subscriber). */
  track(offset: bigint, refs: number): TrackedMessage {
    const message = new TrackedMessage(this, offset, refs);
    if (this.#isRevoked) return message;
    this.#last = offset;
    this.#queue.push(message);
    if (refs === 0) this.settle();
    return message;
  }

  /** Pops every fully acked message at the head of the queue. */
  settle(): void {
    if (this.#isRevoked) return;
    const queue = this.#queue;
    let head = this.#head;
    const start = head;
    while (head < queue.length && queue[head]!.refs === 0) head += 1;
    if (head === start) return;
    if (head === queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else if (head > 1024 && head * 2 > queue.length) {
      this.#queue = queue.slice(head);
      this.#head = 0;
    } else {
      this.#head = head;
    }
    this.#onSettled(head - start);
  }

  /** The next offset to commit, or undefined when nothing was delivered yet. */
  committable(): bigint | undefined {
    if (this.#isRevoked) return undefined;
    if (this.#head < this.#queue.length) return this.#queue[this.#head]!.offset;
    return this.#last === undefined ? undefined : this.#last + 1n;
  }

  /** The committable offset when it is ahead of the last commit. */
  uncommitted(): bigint | undefined {
    const offset = this.committable();
    return offset !== undefined && (this.#committed === undefined || offset > this.#committed) ? offset : undefined;
  }

  markCommitted(offset: bigint): void {
    if (this.#committed === undefined || offset > this.#committed) this.#committed = offset;
  }

  /** Delivered records not yet fully acked. */
  get pending(): number {
    return this.#queue.length - this.#head;
  }

  get isRevoked(): boolean {
    return this.#isRevoked;
  }

  /** After a revoke, late acks of this partition's events change nothing. */
  revoke(): void {
    this.#isRevoked = true;
    this.outbox.clear();
    this.#queue = [];
    this.#head = 0;
  }
}
