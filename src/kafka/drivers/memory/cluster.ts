// MemoryCluster: the state of one embedded broker — topics and their partition logs, committed group
// offsets, the group coordinators and the transaction coordinator. Every client of the memory driver
// with the same cluster name works on one instance (see registry.ts).

import { pino, type Logger } from 'pino';
import { IllegalStateError, KafkaError } from '../../../errors/index.js';
import type { TopicDescription, TopicPartition, TopicPartitionOffset, TopicSpec } from '../../types.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../../record-size.js';
import { unknownPartitionError, unknownTopicError } from './errors.js';
import { GroupCoordinator } from './group-coordinator.js';
import { PartitionLog } from './partition-log.js';
import { topicKeyPrefix, topicPartitionKey } from './topic-partition-key.js';
import { TransactionCoordinator } from './transaction-coordinator.js';

interface Topic {
  readonly logs: readonly PartitionLog[];
  readonly config: Readonly<Record<string, string>>;
}

const SILENT = pino({ level: 'silent' });

/** Kafka's rule for topic names. */
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

/** One embedded broker. Create or find one by name with `memoryCluster(name)`. */
export class MemoryCluster {
  readonly transactions: TransactionCoordinator;
  readonly #topics = new Map<string, Topic>();
  /** groupId → topic-partition key → committed offset. */
  readonly #groupOffsets = new Map<string, Map<string, bigint>>();
  readonly #groups = new Map<string, GroupCoordinator>();
  #logger: Logger | undefined;
  #isDestroyed = false;

  constructor(readonly name: string) {
    this.transactions = new TransactionCoordinator({
      commitOffsets: (groupId, offsets) => this.commitOffsets(groupId, offsets),
      logger: () => this.logger,
    });
  }

  /** The logger of the first driver on this cluster that had one; silent until then. */
  get logger(): Logger {
    return this.#logger ?? SILENT;
  }

  /**
   * Called by each new driver on this cluster. The first logger offered becomes the cluster's, and
   * only then is the answer true: the "embedded broker" notice is logged once per cluster.
   */
  announce(logger: Logger | undefined): boolean {
    if (this.#logger !== undefined || logger === undefined) return false;
    this.#logger = logger;
    return true;
  }

  /** Creates a topic unless one with that name exists; true when it was created. */
  createTopic(spec: TopicSpec): boolean {
    this.#checkAlive();
    if (!TOPIC_NAME.test(spec.topic) || spec.topic === '.' || spec.topic === '..') {
      throw new KafkaError(`invalid topic name "${spec.topic}": use 1 to 249 characters of a-z A-Z 0-9 . _ -`);
    }
    if (!Number.isInteger(spec.partitions) || spec.partitions < 1) {
      throw new KafkaError(`topic "${spec.topic}": partitions must be a positive integer, got ${spec.partitions}`);
    }
    if (this.#topics.has(spec.topic)) return false;
    const logs = Array.from({ length: spec.partitions }, (_, partition) => new PartitionLog(spec.topic, partition));
    this.#topics.set(spec.topic, { logs, config: { ...spec.config } });
    this.#topicsChanged([spec.topic]);
    return true;
  }

  /** Deletes topics and the group offsets committed for them (as Kafka does). */
  deleteTopics(topics: readonly string[]): void {
    this.#checkAlive();
    for (const topic of topics) this.#topic(topic);
    for (const topic of topics) {
      this.#topics.delete(topic);
      for (const offsets of this.#groupOffsets.values()) {
        for (const key of offsets.keys()) if (key.startsWith(topicKeyPrefix(topic))) offsets.delete(key);
      }
    }
    this.#topicsChanged(topics);
  }

  topicNames(): string[] {
    return [...this.#topics.keys()];
  }

  describeTopic(topic: string): TopicDescription {
    const { logs, config } = this.#topic(topic);
    return { topic, partitions: logs.length, config: { 'cleanup.policy': 'delete', ...config } };
  }

  /**
   * The largest record batch `topic` accepts: its `max.message.bytes` config, else Kafka's default
   * (the embedded broker has no broker-wide setting). Rejects an unknown topic.
   */
  maxMessageBytes(topic: string): number {
    const configured = Number(this.#topic(topic).config['max.message.bytes']);
    return Number.isInteger(configured) && configured > 0 ? configured : DEFAULT_MAX_MESSAGE_BYTES;
  }

  /** Partition count of `topic`, undefined when it does not exist. */
  partitionCount(topic: string): number | undefined {
    return this.#topics.get(topic)?.logs.length;
  }

  /** Every partition log of `topic`; rejects an unknown topic. */
  logs(topic: string): readonly PartitionLog[] {
    return this.#topic(topic).logs;
  }

  /** The log of one partition; rejects an unknown topic or partition. */
  log(topic: string, partition: number): PartitionLog {
    const { logs } = this.#topic(topic);
    const log = logs[partition];
    if (log === undefined) throw unknownPartitionError(topic, partition, logs.length);
    return log;
  }

  /** The log of one partition, undefined when the topic or partition does not exist (any more). */
  findLog(topic: string, partition: number): PartitionLog | undefined {
    return this.#topics.get(topic)?.logs[partition];
  }

  /** The coordinator of `groupId`, created on first use. */
  group(groupId: string): GroupCoordinator {
    this.#checkAlive();
    let group = this.#groups.get(groupId);
    if (group === undefined) {
      group = new GroupCoordinator(groupId, {
        partitionCount: (topic) => this.partitionCount(topic),
        logger: () => this.logger,
      });
      this.#groups.set(groupId, group);
    }
    return group;
  }

  commitOffsets(groupId: string, offsets: readonly TopicPartitionOffset[]): void {
    this.#checkAlive();
    const committed = this.#groupOffsets.get(groupId) ?? new Map<string, bigint>();
    for (const offset of offsets) committed.set(topicPartitionKey(offset), offset.offset);
    this.#groupOffsets.set(groupId, committed);
  }

  /** The committed offset of `groupId` for a partition, undefined when none. */
  committedOffset(groupId: string, topicPartition: TopicPartition): bigint | undefined {
    return this.#groupOffsets.get(groupId)?.get(topicPartitionKey(topicPartition));
  }

  /** Stops the cluster's timers and turns its groups away; later calls fail. Used by dropMemoryCluster. */
  destroy(): void {
    if (this.#isDestroyed) return;
    this.#isDestroyed = true;
    this.transactions.destroy();
    for (const group of this.#groups.values()) group.destroy();
  }

  #topic(topic: string): Topic {
    this.#checkAlive();
    const found = this.#topics.get(topic);
    if (found === undefined) throw unknownTopicError(topic);
    return found;
  }

  #topicsChanged(topics: readonly string[]): void {
    for (const group of this.#groups.values()) group.topicsChanged(topics);
  }

  #checkAlive(): void {
    if (this.#isDestroyed) throw new IllegalStateError(`memory cluster "${this.name}" was dropped`);
  }
}
