// The worker's one group consumer: feeds batches to the conductor, tracks acks per partition and
// commits. The commit protocol (ARCHITECTURE §3): flush the producer, commit the offsets, then run
// the commit hooks (table flushes). Commits run every commitIntervalMs, every commitEvery acks,
// on rebalance (best effort: kafkajs rejoins at once) and at the end of a drain.

import type { Logger } from 'pino';
import { hasCode } from '../errors/index.js';
import type { Consumer, ConsumerOptions, KafkaDriver, RecordBatch, TopicPartition, TopicPartitionOffset } from '../kafka/index.js';
import type { WorkerMetrics } from '../metrics/index.js';
import { Service, SystemClock, type Clock } from '../service/index.js';
import type { Conductor } from './conductor.js';
import { PartitionTracker } from './tracked-message.js';

export interface StreamSourceOptions {
  readonly name?: string;
  readonly logger: Logger;
  readonly driver: KafkaDriver;
  readonly consumer: ConsumerOptions;
  readonly conductor: Conductor;
  readonly metrics: WorkerMetrics;
  /** Step (1) of a commit: every record sent before it is on the broker. */
  readonly flush: () => Promise<void>;
  readonly commitIntervalMs: number;
  readonly commitEvery: number;
  /** Called when the assignment is revoked: buffered events must be dropped. */
  readonly onRevoked: () => void;
  readonly clock?: Clock;
}

const id = (tp: TopicPartition): string => `${tp.topic}\u0000${tp.partition}`;

export class StreamSource extends Service {
  readonly #options: StreamSourceOptions;
  readonly #clock: Clock;
  readonly #trackers = new Map<string, PartitionTracker>();
  #consumer: Consumer | undefined;
  #assignment: readonly TopicPartition[] = [];
  #settledSinceCommit = 0;
  #committing: Promise<void> | undefined;
  #nextCommit: Promise<void> | undefined;
  #isDraining = false;
  #isAssigned = false;

  constructor(options: StreamSourceOptions) {
    super({ name: options.name ?? 'consumer', logger: options.logger });
    this.#options = options;
    this.#clock = options.clock ?? new SystemClock();
  }

  /** True once the member has joined the group and received an assignment. */
  get isAssigned(): boolean {
    return this.#isAssigned;
  }

  get assignment(): readonly TopicPartition[] {
    return this.#assignment;
  }

  protected override async onStart(): Promise<void> {
    const { driver, conductor } = this.#options;
    const consumer = await driver.consumer(this.#options.consumer);
    this.#consumer = consumer;
    consumer.on('assigned', ({ partitions }) => this.#assigned(partitions));
    consumer.on('rebalancing', () => this.#revoked('rebalance'));
    consumer.on('crashed', (error) => this.crash(error));
    await consumer.subscribe(conductor.topics());
    await consumer.run((batch) => {
      this.#deliver(batch);
      return Promise.resolve();
    });
    this.spawn('commit timer', async (signal) => {
      for (;;) {
        await this.#clock.sleep(this.#options.commitIntervalMs, signal);
        await this.commit('interval');
      }
    });
  }

  protected override async onStop(): Promise<void> {
    await this.#consumer?.stop();
  }

  #deliver(batch: RecordBatch): void {
    if (this.#isDraining) return;
    let tracker = this.#trackers.get(id(batch));
    if (tracker === undefined) {
      tracker = new PartitionTracker(batch.topic, batch.partition, (count) => this.#settled(count));
      this.#trackers.set(id(batch), tracker);
    }
    this.#options.metrics.messagesIn(batch.topic, batch.records.length);
    this.#options.conductor.deliver(batch, tracker);
  }

  #settled(count: number): void {
    this.#settledSinceCommit += count;
    if (this.#settledSinceCommit >= this.#options.commitEvery) void this.commit('commitEvery');
  }

  #assigned(partitions: readonly TopicPartition[]): void {
    // kafkajs also rejoins without a rebalancing event (UNKNOWN_MEMBER_ID); positions restart from
    // the committed offsets after any join, so trackers from before it must go.
    if (this.#trackers.size > 0) this.#revoked('rejoin');
    this.#assignment = partitions;
    this.#isAssigned = true;
    this.#options.metrics.assignedPartitions(partitions.length);
    this.log.info({ partitions: partitions.map((p) => `${p.topic}[${p.partition}]`) }, `assigned ${partitions.length} partitions`);
  }

  /**
   * The assignment is going away: take what is committable now, forget every tracker (the
   * consumer will refetch from the committed offsets), drop buffered events, then commit the
   * snapshot if the group still accepts it.
   */
  #revoked(reason: string): void {
    const offsets = this.#uncommitted();
    for (const tracker of this.#trackers.values()) tracker.revoke();
    this.#trackers.clear();
    this.#assignment = [];
    this.#options.metrics.rebalanced();
    this.#options.onRevoked();
    if (offsets.length === 0) return;
    void this.#commitOffsets(offsets, reason).catch((err: unknown) => {
      this.log.info({ err, reason }, 'could not commit on revoke; those events will be processed again by the next owner');
    });
  }

  #uncommitted(): { tracker: PartitionTracker; offset: TopicPartitionOffset }[] {
    const out: { tracker: PartitionTracker; offset: TopicPartitionOffset }[] = [];
    for (const tracker of this.#trackers.values()) {
      const offset = tracker.uncommitted();
      if (offset !== undefined) out.push({ tracker, offset: { topic: tracker.topic, partition: tracker.partition, offset } });
    }
    return out;
  }

  /**
   * Commits every partition's acked prefix as it is when the commit starts. One commit runs at a
   * time; calls made while one runs share a single follow-up commit, so a caller (e.g. the drain)
   * never settles for a snapshot taken before its call.
   */
  commit(reason: string): Promise<void> {
    if (this.#committing === undefined) {
      this.#committing = this.#commitOnce(reason).finally(() => (this.#committing = undefined));
      return this.#committing;
    }
    this.#nextCommit ??= this.#committing
      .catch(() => undefined)
      .then(() => {
        this.#nextCommit = undefined;
        return this.commit(reason);
      });
    return this.#nextCommit;
  }

  async #commitOnce(reason: string): Promise<void> {
    this.#settledSinceCommit = 0;
    const offsets = this.#uncommitted();
    if (offsets.length > 0) await this.#commitOffsets(offsets, reason);
  }

  async #commitOffsets(offsets: readonly { tracker: PartitionTracker; offset: TopicPartitionOffset }[], reason: string): Promise<void> {
    const consumer = this.#consumer;
    if (consumer === undefined) return;
    const started = this.#clock.now();
    await this.#options.flush();
    try {
      await consumer.commit(offsets.map((o) => o.offset));
    } catch (err) {
      if (hasCode(err, 'STREAMD_REBALANCE_IN_PROGRESS')) {
        this.log.info({ reason }, 'commit skipped: the group is rebalancing; uncommitted events will be processed again');
        return;
      }
      throw err;
    }
    for (const { tracker, offset } of offsets) tracker.markCommitted(offset.offset);
    this.#options.metrics.committed((this.#clock.now() - started) / 1000);
    this.log.debug({ reason, offsets: offsets.map((o) => `${o.offset.topic}[${o.offset.partition}]@${o.offset.offset}`) }, 'committed offsets');
  }

  /** Stops taking new batches: paused partitions, and batches already in flight are ignored (not tracked). */
  stopFetching(): void {
    this.#isDraining = true;
    if (this.#assignment.length > 0) this.#consumer?.pause(this.#assignment);
  }

  /** Events delivered but not yet acked, across partitions. */
  get pendingCount(): number {
    let n = 0;
    for (const tracker of this.#trackers.values()) n += tracker.pending;
    return n;
  }

  pause(partition: TopicPartition): void {
    this.#consumer?.pause([partition]);
  }

  resume(partition: TopicPartition): void {
    if (!this.#isDraining) this.#consumer?.resume([partition]);
  }
}
