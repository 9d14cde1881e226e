// FetchPositions: one memory consumer's fetch state — the position of each assigned partition,
// paused partitions, pending seeks — and the choice of the next batch, round robin over partitions.
// MemoryConsumer owns one and drives it from its fetch loop.

import { KafkaError } from '../../../errors/index.js';
import type { Isolation, RecordBatch, TopicPartition, TopicPartitionOffset } from '../../types.js';
import type { MemoryCluster } from './cluster.js';
import type { PartitionLog } from './partition-log.js';
import { topicPartitionKey } from './topic-partition-key.js';

/**
 * Most records in one batch. Too low: more handler calls and commits per record; too high: a
 * handler holds more records in memory, and a rebalance waits longer for the batch in flight.
 */
export const MAX_RECORDS_PER_BATCH = 1000;

export interface FetchPositionsOptions {
  readonly groupId: string;
  readonly isolation: Isolation;
  readonly autoOffsetReset: 'earliest' | 'latest';
  readonly maxBytesPerPartition: number;
}

/** A batch handed to the handler, and what its completion moves the position to. */
export interface FetchedBatch {
  readonly batch: RecordBatch;
  readonly nextOffset: number;
  /** The assignment the batch was fetched under; a batch of an older one never moves a position. */
  readonly assignmentEpoch: number;
}

export class FetchPositions {
  readonly #cluster: MemoryCluster;
  readonly #options: FetchPositionsOptions;
  readonly #onAppend: () => void;
  #assigned: readonly TopicPartition[] = [];
  #unwatchLogs: (() => void)[] = [];
  #assignmentEpoch = 0;
  readonly #positions = new Map<string, number>();
  /** Paused partitions, kept across rebalances as kafkajs keeps them; may name unassigned partitions. */
  readonly #paused = new Set<string>();
  /** Seeks not yet applied: applied at the partition's next fetch, so a paused partition's on resume. */
  readonly #seeks = new Map<string, number>();
  #cursor = 0;

  /** `onAppend` is called whenever a record or marker lands in an assigned partition. */
  constructor(cluster: MemoryCluster, options: FetchPositionsOptions, onAppend: () => void) {
    this.#cluster = cluster;
    this.#options = options;
    this.#onAppend = onAppend;
  }

  /** Takes a new assignment; each position starts at the committed offset, else per autoOffsetReset. */
  assign(partitions: readonly TopicPartition[]): void {
    this.revoke();
    this.#assigned = partitions.map(({ topic, partition }) => ({ topic, partition }));
    for (const topicPartition of this.#assigned) {
      const log = this.#cluster.findLog(topicPartition.topic, topicPartition.partition);
      if (log === undefined) continue;
      this.#unwatchLogs.push(log.watch(this.#onAppend));
      const committed = this.#cluster.committedOffset(this.#options.groupId, topicPartition);
      this.#positions.set(topicPartitionKey(topicPartition), this.#validOrReset(log, committed === undefined ? -1 : Number(committed)));
    }
  }

  /** Drops the assignment, its positions and pending seeks. Pauses stay. */
  revoke(): void {
    for (const unwatch of this.#unwatchLogs) unwatch();
    this.#unwatchLogs = [];
    this.#assignmentEpoch += 1;
    this.#assigned = [];
    this.#positions.clear();
    this.#seeks.clear();
    this.#cursor = 0;
  }

  assigned(): readonly TopicPartition[] {
    return this.#assigned;
  }

  isAssigned({ topic, partition }: TopicPartition): boolean {
    return this.#assigned.some((p) => p.topic === topic && p.partition === partition);
  }

  pause(partitions: readonly TopicPartition[]): void {
    for (const partition of partitions) this.#paused.add(topicPartitionKey(partition));
  }

  resume(partitions: readonly TopicPartition[]): void {
    for (const partition of partitions) this.#paused.delete(topicPartitionKey(partition));
  }

  /** Sets the next offset of an assigned partition; false (ignored) for a partition not assigned. */
  seek(position: TopicPartitionOffset): boolean {
    if (position.offset < 0n) {
      throw new KafkaError(`cannot seek ${position.topic}/${position.partition} to negative offset ${position.offset}`);
    }
    if (!this.isAssigned(position)) return false;
    this.#seeks.set(topicPartitionKey(position), Number(position.offset));
    return true;
  }

  /**
   * The next batch of an unpaused assigned partition that has something past its position, taking
   * partitions in turn; undefined when nothing is ready. A read that found only control markers and
   * aborted records gives a batch with no records whose `nextOffset` is past them, as a fetch of such
   * a range moves a Kafka consumer's position.
   */
  next(): FetchedBatch | undefined {
    const count = this.#assigned.length;
    for (let turn = 0; turn < count; turn++) {
      const index = (this.#cursor + turn) % count;
      const { topic, partition } = this.#assigned[index]!;
      const key = topicPartitionKey({ topic, partition });
      const log = this.#cluster.findLog(topic, partition);
      if (this.#paused.has(key) || log === undefined) continue;
      const position = this.#validOrReset(log, this.#seeks.get(key) ?? this.#positions.get(key) ?? -1);
      this.#seeks.delete(key);
      const read = log.read(position, this.#options.isolation, {
        maxRecords: MAX_RECORDS_PER_BATCH,
        maxBytes: this.#options.maxBytesPerPartition,
      });
      this.#positions.set(key, position);
      if (read.nextOffset === position) continue;
      this.#cursor = index + 1;
      return {
        batch: {
          topic,
          partition,
          records: read.records,
          // The log end for either isolation level, as kafkajs reports the broker's high watermark.
          highWatermark: BigInt(log.endOffset),
          nextOffset: BigInt(read.nextOffset),
        },
        nextOffset: read.nextOffset,
        assignmentEpoch: this.#assignmentEpoch,
      };
    }
    return undefined;
  }

  /** Whether a seek on `partition` waits for its next fetch: a batch fetched before it is stale. */
  hasPendingSeek(partition: TopicPartition): boolean {
    return this.#seeks.has(topicPartitionKey(partition));
  }

  /** The handler finished `fetched`: its partition's position moves past it, unless a seek came first. */
  advance(fetched: FetchedBatch): void {
    const key = topicPartitionKey(fetched.batch);
    if (fetched.assignmentEpoch !== this.#assignmentEpoch || this.#seeks.has(key)) return;
    this.#positions.set(key, fetched.nextOffset);
  }

  /** `offset` when inside the log, else where autoOffsetReset says (as a fetch out of range does). */
  #validOrReset(log: PartitionLog, offset: number): number {
    if (offset >= log.startOffset && offset <= log.endOffset) return offset;
    return this.#options.autoOffsetReset === 'earliest' ? log.startOffset : log.readableEnd(this.#options.isolation);
  }
}
