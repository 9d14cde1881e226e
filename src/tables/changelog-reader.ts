// ChangelogReader: reads the changelog partitions that table recovery and standbys ask for, through a
// private consumer group of one member (kafkajs has no manual assignment). Table recovery (catchUp)
// and standby replicas call follow/unfollow; the worker's tree starts and stops it.

import type { Logger } from 'pino';
import { IllegalStateError, KafkaError, ServiceCrashedError } from '../errors/index.js';
import { isRetriableFailure, type Admin, type BatchContext, type BrokerOutage, type Consumer, type KafkaDriver, type RecordBatch, type TopicPartition } from '../kafka/index.js';
import { describeError, Service } from '../service/index.js';
import { topicPartitionKey } from './topic-partition-key.js';

export interface ChangelogReaderOptions {
  readonly driver: KafkaDriver;
  readonly logger: Logger;
  /**
   * The private group: unique per worker (e.g. `${prefix}-changelog-reader-${uuid}`), so this member
   * is alone in it and gets every partition. Nothing is ever committed to it.
   */
  readonly groupId: string;
  /** Every changelog topic of the app; may be empty, and then the reader does nothing. */
  readonly topics: readonly string[];
  /**
   * Default 1 MiB. Too low: many small fetches slow recovery down; too high: memory per followed
   * partition in flight, and longer batches for the apply handler.
   */
  readonly maxBytesPerPartition?: number;
  /**
   * When given, a consumer that crashes on a retriable Kafka failure (a lost broker, the private
   * group's coordinator loading) is replaced by a new one, with backoff, until the outage's
   * deadline; every followed partition goes on from its position. Without it, the reader crashes.
   */
  readonly outage?: BrokerOutage;
}

/** Applies one batch of a followed partition. A rejection crashes the reader. */
export type ChangelogBatchHandler = (batch: RecordBatch) => Promise<void>;

/**
 * Batches of one followed partition that may be taken from the consumer and not yet applied: one
 * being applied and one waiting. The consumer's next fetch (and its decoding) then overlaps the
 * apply (a store write runs on RocksDB's threads), instead of waiting for it; more would only hold
 * more fetched bytes in memory, as the apply is the slower side.
 */
const BATCHES_IN_FLIGHT = 2;

/** One followed partition: where its handler is, and the next offsets it wants. */
interface Follow {
  readonly topicPartition: TopicPartition;
  readonly handler: ChangelogBatchHandler;
  /** The next offset to apply: past every batch the handler has applied. */
  position: bigint;
  /** The next offset to take from the consumer: past every batch applied or queued to be. */
  accepted: bigint;
  /** Batches taken and not yet applied or dropped. */
  inFlight: number;
  /** An apply failed: the batches taken after it are dropped, never applied over the gap. */
  isFailed: boolean;
}

/**
 * Delivers the changelog partitions it is told to follow, each to its own handler, one batch at a
 * time and in offset order; every other partition stays paused.
 *
 * The consumer's positions are the reader's to set: the group commits nothing, kafkajs restarts a
 * rejoined member at the log start, so on every assignment the reader pauses the partitions nobody
 * follows and seeks each followed one to its position. A batch the consumer marks stale (fetched
 * before a seek of its partition), or that a rebalance or an unfollow overtook, is dropped and the
 * partition seeked back to its position, so no record is skipped and none is applied twice.
 */
export class ChangelogReader extends Service {
  readonly #options: ChangelogReaderOptions;
  readonly #topics: ReadonlySet<string>;
  readonly #follows = new Map<string, Follow>();
  /** Keys of the partitions of the consumer's current assignment; empty while rebalancing. */
  #assigned = new Set<string>();
  #consumer: Consumer | undefined;
  #admin: Promise<Admin> | undefined;
  /** Applies of taken batches not yet settled (see #deliver); a stop waits for them. */
  readonly #applying = new Set<Promise<void>>();
  /**
   * The last apply queued per partition (settles once applied or dropped; never rejects). By
   * partition, not by follow: the first batch of a new follow waits for a batch of the old one still
   * being applied, so two handlers never write one partition's store at once.
   */
  readonly #lastApplies = new Map<string, Promise<void>>();
  /** True while a new consumer replaces one that failed on the broker (see #waitOutBroker). */
  #isWaitingOutBroker = false;
  /** Consumers created so far; each after the first joins a fresh private group. */
  #consumersOpened = 0;

  constructor(options: ChangelogReaderOptions) {
    super({ name: 'changelog reader', logger: options.logger });
    this.#options = options;
    this.#topics = new Set(options.topics);
  }

  /**
   * Starts delivering `topicPartition`'s records from `from` (the next offset to read) to `handler`,
   * one batch at a time, in order; the first batch handled starts at `from` or later. Replaces an
   * earlier follow of the partition (its batch in flight is dropped). Allowed before `start()`.
   */
  follow(topicPartition: TopicPartition, from: bigint, handler: ChangelogBatchHandler): void {
    const key = topicPartitionKey(topicPartition);
    if (!this.#topics.has(topicPartition.topic)) {
      throw new IllegalStateError(`cannot follow ${key}: "${topicPartition.topic}" is not one of the changelog topics this reader subscribes to`);
    }
    if (from < 0n) throw new IllegalStateError(`cannot follow ${key} from offset ${from}: offsets start at 0`);
    if (!this.#isActive() && this.state !== 'idle') throw new IllegalStateError(`cannot follow ${key}: the changelog reader is ${this.state}`);
    const { topic, partition } = topicPartition;
    const follow: Follow = { topicPartition: { topic, partition }, handler, position: from, accepted: from, inFlight: 0, isFailed: false };
    this.#follows.set(key, follow);
    this.log.debug({ partition: key, from }, 'following');
    if (this.#assigned.has(key)) {
      this.#onConsumer('resume and seek', (consumer) => {
        consumer.resume([follow.topicPartition]);
        consumer.seek({ ...follow.topicPartition, offset: from });
      });
    }
  }

  /** Stops delivering `topicPartition`: once this returns, no batch of it reaches the old handler. */
  unfollow(topicPartition: TopicPartition): void {
    const key = topicPartitionKey(topicPartition);
    const follow = this.#follows.get(key);
    if (follow === undefined) return;
    this.#follows.delete(key);
    this.log.debug({ partition: key, position: follow.position }, 'unfollowed');
    if (this.#assigned.has(key)) this.#onConsumer('pause', (consumer) => consumer.pause([follow.topicPartition]));
  }

  /** The next offset to read of a followed partition, advanced past every batch handled; else undefined. */
  position(topicPartition: TopicPartition): bigint | undefined {
    return this.#follows.get(topicPartitionKey(topicPartition))?.position;
  }

  /**
   * End offsets (admin `offsets().latest`) by `topicPartitionKey`. Only while started. While a
   * transaction is open on a partition the drivers differ: kafkajs lists offsets read_committed and
   * answers the last stable offset (where a read_committed reader stops), the memory driver the log end.
   */
  async endOffsets(topicPartitions: readonly TopicPartition[]): Promise<Map<string, bigint>> {
    if (!this.#isActive()) throw new IllegalStateError(`cannot read end offsets: the changelog reader is ${this.state}`);
    const admin = await this.#adminClient();
    const topics = [...new Set(topicPartitions.map((tp) => tp.topic))];
    const answers = await Promise.all(topics.map(async (topic) => [topic, await admin.offsets(topic)] as const));
    const latest = new Map<string, bigint>();
    for (const [topic, partitions] of answers) {
      for (const { partition, latest: offset } of partitions) latest.set(topicPartitionKey({ topic, partition }), offset);
    }
    const ends = new Map<string, bigint>();
    for (const topicPartition of topicPartitions) {
      const key = topicPartitionKey(topicPartition);
      const end = latest.get(key);
      if (end === undefined) throw new KafkaError(`cannot read the end offset of ${key}: the topic has no such partition`);
      ends.set(key, end);
    }
    return ends;
  }

  protected override async onStart(): Promise<void> {
    if (this.#topics.size === 0) {
      this.log.info('no changelog topics: nothing to read');
      return;
    }
    let crash: Error | undefined;
    try {
      ({ crash } = await this.#openConsumer());
    } catch (error) {
      if (this.#options.outage === undefined || !isRetriableFailure(error)) throw error;
      this.#onConsumerCrashed(error);
      return;
    }
    if (crash === undefined) return;
    if (this.#options.outage === undefined || !isRetriableFailure(crash)) throw crash;
    this.#onConsumerCrashed(crash);
  }

  /** A consumer crash: a retriable one is waited out with a new consumer, any other crashes the reader. */
  #onConsumerCrashed(error: unknown): void {
    if (this.#options.outage === undefined || !isRetriableFailure(error) || !this.#isActive()) {
      this.crash(error);
      return;
    }
    if (this.#isWaitingOutBroker) return;
    this.#isWaitingOutBroker = true;
    this.spawn('new consumer after a broker failure', (signal) => this.#waitOutBroker(error, signal).finally(() => (this.#isWaitingOutBroker = false)));
  }

  /**
   * Replaces the failed consumer with new ones, with backoff, until one joins its group without
   * crashing, or the outage's deadline passes (BrokerOutage throws, and the reader crashes). The
   * new consumer's first assignment seeks every followed partition to its position.
   */
  async #waitOutBroker(first: unknown, signal: AbortSignal): Promise<void> {
    const outage = this.#options.outage!;
    this.log.warn({ err: first }, 'a broker failure stopped the changelog consumer: starting a new one once the broker answers');
    this.#assigned = new Set();
    const old = this.#consumer;
    this.#consumer = undefined;
    // kafkajs lets the batch in hand finish before the stop resolves: its position is then final.
    await old?.stop().catch((err: unknown) => this.log.debug({ err }, 'stopping the failed changelog consumer failed'));
    let error = first;
    for (let attempt = 0; ; attempt++) {
      await outage.waitOut('changelog reader', error, attempt, signal);
      if (!this.#isActive() || signal.aborted) return;
      try {
        const { crash } = await this.#openConsumer();
        if (crash === undefined) {
          outage.recovered('changelog reader');
          return;
        }
        error = crash;
      } catch (err) {
        error = err;
      }
      if (!isRetriableFailure(error)) throw error;
    }
  }

  /**
   * Creates, subscribes and runs a consumer (kafkajs joins the group within `run`). Resolves with
   * the crash that ended it during the join, if one did (the consumer has stopped then); rejects
   * when a step failed (the consumer is stopped).
   */
  async #openConsumer(): Promise<{ readonly consumer: Consumer; readonly crash: Error | undefined }> {
    const consumer = await this.#options.driver.consumer({
      // A replacement consumer takes a group of its own: the failed member (gone with the broker,
      // never left) would hold the old group until its session expired. Nothing is committed to either.
      groupId: this.#consumersOpened === 0 ? this.#options.groupId : `${this.#options.groupId}-${this.#consumersOpened}`,
      isolation: 'read_committed',
      autoOffsetReset: 'earliest',
      ...(this.#options.maxBytesPerPartition === undefined ? {} : { maxBytesPerPartition: this.#options.maxBytesPerPartition }),
    });
    this.#consumersOpened += 1;
    this.#consumer = consumer;
    let crash: Error | undefined;
    const isCurrent = (): boolean => this.#consumer === consumer;
    consumer.on('assigned', ({ partitions }) => {
      if (isCurrent()) this.#onAssigned(partitions);
    });
    consumer.on('rebalancing', () => {
      if (isCurrent()) this.#assigned = new Set();
    });
    consumer.on('crashed', (error) => {
      crash ??= error;
      // During the join (run) or while a replacement is under way, the crash is the caller's to judge.
      if (isCurrent() && isJoined && !this.#isWaitingOutBroker) this.#onConsumerCrashed(error);
    });
    let isJoined = false;
    try {
      await consumer.subscribe([...this.#topics]);
      await consumer.run((batch, context) => this.#deliver(batch, context));
    } catch (error) {
      // onStop runs only after a successful onStart: the consumer is ours to stop here.
      if (isCurrent()) this.#consumer = undefined;
      await consumer.stop().catch((stopError: unknown) => this.log.warn({ err: stopError }, 'stopping the consumer after a failed start failed'));
      throw error;
    }
    isJoined = true;
    if (crash !== undefined && isCurrent()) this.#consumer = undefined;
    return { consumer, crash };
  }

  protected override async onStop(): Promise<void> {
    const admin = this.#admin;
    try {
      await this.#consumer?.stop();
    } finally {
      // A batch being applied finishes (as kafkajs lets the batch in hand finish); queued ones are dropped.
      await Promise.all(this.#applying);
      this.#assigned = new Set();
      // A connect that failed has already been reported to the endOffsets caller.
      await admin?.then((client) => client.close(), () => undefined);
    }
  }

  /** The member joined: pause what nobody follows, and put every followed partition at its position. */
  #onAssigned(partitions: readonly TopicPartition[]): void {
    this.#assigned = new Set(partitions.map(topicPartitionKey));
    const idle = partitions.filter((tp) => !this.#follows.has(topicPartitionKey(tp)));
    const followed = [...this.#follows.values()].filter((f) => this.#assigned.has(topicPartitionKey(f.topicPartition)));
    this.log.info({ partitions: partitions.length, followed: followed.length }, 'assigned the changelog partitions');
    this.#onConsumer('pause, resume and seek', (consumer) => {
      if (idle.length > 0) consumer.pause(idle);
      if (followed.length > 0) consumer.resume(followed.map((f) => f.topicPartition));
      // Past the batches already taken: they are still applied.
      for (const { topicPartition, accepted } of followed) consumer.seek({ ...topicPartition, offset: accepted });
    });
  }

  /**
   * The consumer's batch handler: queues the batch behind the partition's batches in flight, in
   * offset order, and returns once at most one batch of the partition is left ahead of it (see
   * BATCHES_IN_FLIGHT). Never rejects: a failing apply crashes the reader instead.
   */
  async #deliver(batch: RecordBatch, context: BatchContext): Promise<void> {
    const key = topicPartitionKey(batch);
    const follow = this.#follows.get(key);
    if (follow === undefined || !this.#isActive()) return;
    if (!context.isRunning()) {
      // Stale or overtaken by a rebalance: the consumer may still move past it, so put it back.
      this.#seekBack(key, follow);
      return;
    }
    if (batch.nextOffset <= follow.accepted) return;
    const isFresh = batch.records.every((r) => r.offset >= follow.accepted);
    const delivered = isFresh ? batch : { ...batch, records: batch.records.filter((r) => r.offset >= follow.accepted) };
    follow.accepted = delivered.nextOffset;
    follow.inFlight += 1;
    const ahead = this.#lastApplies.get(key) ?? Promise.resolve();
    const applied = ahead.then(() => this.#apply(key, follow, delivered));
    this.#lastApplies.set(key, applied);
    this.#applying.add(applied);
    void applied.then(() => {
      this.#applying.delete(applied);
      if (this.#lastApplies.get(key) === applied) this.#lastApplies.delete(key);
    });
    if (follow.inFlight >= BATCHES_IN_FLIGHT) await ahead;
  }

  /** Applies one queued batch, unless its follow was dropped or replaced, or the reader stopped, since it was taken. */
  async #apply(key: string, follow: Follow, delivered: RecordBatch): Promise<void> {
    try {
      if (this.#follows.get(key) !== follow || follow.isFailed || !this.#isActive()) return;
      try {
        await follow.handler(delivered);
      } catch (error) {
        follow.isFailed = true;
        if (this.#follows.get(key) !== follow) {
          this.log.debug({ err: error, partition: key }, 'the handler of an unfollowed partition failed; its batch is dropped');
          return;
        }
        const offsets = delivered.records.length === 0 ? `up to ${delivered.nextOffset}` : `${delivered.records[0]!.offset}..${delivered.records.at(-1)!.offset}`;
        this.crash(new ServiceCrashedError(this.name, `applying changelog ${key} at offsets ${offsets} failed: ${describeError(error)}`, { cause: error }));
        return;
      }
      if (this.#follows.get(key) !== follow) return;
      follow.position = delivered.nextOffset;
    } finally {
      follow.inFlight -= 1;
    }
  }

  #seekBack(key: string, follow: Follow): void {
    if (this.#assigned.has(key)) this.#onConsumer('seek', (consumer) => consumer.seek({ ...follow.topicPartition, offset: follow.accepted }));
  }

  /** Runs `action` on the consumer while the reader runs; a failure (the consumer died) crashes the reader. */
  #onConsumer(what: string, action: (consumer: Consumer) => void): void {
    const consumer = this.#consumer;
    if (consumer === undefined || !this.#isActive()) return;
    try {
      action(consumer);
    } catch (error) {
      this.crash(new ServiceCrashedError(this.name, `could not ${what} on the changelog consumer: ${describeError(error)}`, { cause: error }));
    }
  }

  #adminClient(): Promise<Admin> {
    if (this.#admin === undefined) {
      const creating = this.#options.driver.admin();
      this.#admin = creating;
      // A failed connect is not remembered: the next call tries again.
      void creating.catch(() => {
        if (this.#admin === creating) this.#admin = undefined;
      });
    }
    return this.#admin;
  }

  #isActive(): boolean {
    return this.state === 'starting' || this.state === 'running';
  }
}
