// SeekStaleness: whether a batch that kafkajs handled without calling eachBatch (a fetch of only
// control markers or aborted records) was fetched before a seek of its partition. KafkajsConsumer
// feeds it kafkajs's fetch instrumentation events and its own seeks.

import type { TopicPartition } from '../../types.js';

function keyOf({ topic, partition }: TopicPartition): string {
  return `${topic}\u0000${partition}`;
}

/**
 * kafkajs applies a pending seek at the start of the next fetch from the partition's leader, and
 * drops a fetched partition whose seek is still pending; so a batch is stale exactly when a seek of
 * its partition came after the start of the fetch that returned it. For batches handed to eachBatch
 * kafkajs answers that itself (`isStale()`); for the others it says nothing, and its fetch events
 * name the broker a fetch went to but not the broker a batch came from. So the bound is the earliest
 * start among the fetches whose batches may still be in hand (one per broker): a batch may be called
 * stale when it is not — the caller seeks again and loses a round trip — but never the reverse.
 */
export class SeekStaleness {
  /** Orders seeks and fetch starts; only comparisons matter. */
  #tick = 0;
  readonly #lastSeek = new Map<string, number>();
  /** Per broker node: the tick of its latest fetch start. */
  readonly #fetchStarted = new Map<number, number>();
  /** Nodes whose latest fetch has returned: their batches may be in hand until their next fetch starts. */
  readonly #inHand = new Set<number>();

  seeked(partition: TopicPartition): void {
    this.#lastSeek.set(keyOf(partition), ++this.#tick);
  }

  /** A fetch from `nodeId` starts: that node's earlier batches have all been handled. */
  fetchStarted(nodeId: number): void {
    this.#fetchStarted.set(nodeId, ++this.#tick);
    this.#inHand.delete(nodeId);
  }

  /** A fetch from `nodeId` returned; its batches are about to be handled. */
  fetched(nodeId: number): void {
    this.#inHand.add(nodeId);
  }

  /**
   * The member joined a generation. kafkajs rejoins only after its fetchers stopped, with every
   * fetched batch handled, so no batch is in hand (and nodes that stopped leading are forgotten).
   */
  joined(): void {
    this.#inHand.clear();
  }

  /** Taken when kafkajs handles a batch: the earliest start of a fetch that may have returned it. */
  fetchMark(): number {
    let mark = Infinity;
    for (const nodeId of this.#inHand) mark = Math.min(mark, this.#fetchStarted.get(nodeId) ?? 0);
    // Nothing recorded as in hand: fall back to the latest fetch start of any node.
    if (mark === Infinity) for (const started of this.#fetchStarted.values()) mark = mark === Infinity ? started : Math.max(mark, started);
    return mark === Infinity ? 0 : mark;
  }

  /** Whether `partition` was seeked after the fetch that `mark` bounds. */
  isStale(partition: TopicPartition, mark: number): boolean {
    return (this.#lastSeek.get(keyOf(partition)) ?? -1) > mark;
  }
}
