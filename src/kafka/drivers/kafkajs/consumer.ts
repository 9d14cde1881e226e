// A consumer-group member over kafkajs: explicit commits only, batches handed over one at a time,
// the streamd assignor plugged in, and assignment events in streamd's shape.

import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { Consumer as RawConsumer, EachBatchPayload, Kafka } from 'kafkajs';
import { IllegalStateError } from '../../../errors/index.js';
import { roundRobinAssignor } from '../../round-robin-assignor.js';
import type {
  BatchHandler,
  Consumer,
  ConsumerEvents,
  ConsumerOptions,
  GroupAssignment,
  TopicPartition,
  TopicPartitionOffset,
} from '../../types.js';
import { toGroupAssignment, toPartitionAssigner } from './assignor.js';
import { mapErrors, toStreamdError } from './errors.js';
import { toConsumerRecord } from './records.js';

type State = 'connected' | 'subscribed' | 'running' | 'stopping' | 'stopped';

function byTopic(partitions: readonly TopicPartition[]): { topic: string; partitions: number[] }[] {
  const map = new Map<string, number[]>();
  for (const { topic, partition } of partitions) {
    let list = map.get(topic);
    if (list === undefined) map.set(topic, (list = []));
    list.push(partition);
  }
  return [...map].map(([topic, list]) => ({ topic, partitions: list }));
}

export class KafkajsConsumer extends EventEmitter<ConsumerEvents> implements Consumer {
  readonly #consumer: RawConsumer;
  readonly #options: ConsumerOptions;
  readonly #log: Logger;
  #state: State = 'connected';
  #assignment: readonly TopicPartition[] = [];
  #stopping: Promise<void> | undefined;

  private constructor(consumer: RawConsumer, options: ConsumerOptions, log: Logger) {
    super();
    this.#consumer = consumer;
    this.#options = options;
    this.#log = log;
    const { GROUP_JOIN, REBALANCING, CRASH } = consumer.events;
    consumer.on(GROUP_JOIN, ({ payload }) => {
      this.#assignment = Object.entries(payload.memberAssignment).flatMap(([topic, partitions]) =>
        partitions.map((partition) => ({ topic, partition })),
      );
      this.emit('assigned', {
        memberId: payload.memberId,
        isLeader: payload.isLeader,
        partitions: this.#assignment,
      });
    });
    consumer.on(REBALANCING, () => {
      this.#assignment = [];
      this.emit('rebalancing');
    });
    consumer.on(CRASH, ({ payload }) => {
      if (!payload.restart) this.#crash(payload.error);
    });
  }

  static async connect(kafka: Kafka, options: ConsumerOptions, log: Logger): Promise<KafkajsConsumer> {
    const consumer = kafka.consumer({
      groupId: options.groupId,
      partitionAssigners: [toPartitionAssigner(options.assignor ?? roundRobinAssignor)],
      sessionTimeout: options.sessionTimeoutMs ?? 30_000,
      rebalanceTimeout: options.rebalanceTimeoutMs ?? 60_000,
      heartbeatInterval: options.heartbeatIntervalMs ?? 3_000,
      maxBytesPerPartition: options.maxBytesPerPartition ?? 1_048_576,
      maxWaitTimeInMs: options.maxWaitMs ?? 500,
      readUncommitted: options.isolation === 'read_uncommitted',
      allowAutoTopicCreation: false,
      // streamd's supervisor decides about restarts; kafkajs must not restart behind its back.
      retry: { restartOnFailure: () => Promise.resolve(false) },
    });
    await mapErrors(`connect consumer of group ${options.groupId}`, () => consumer.connect());
    return new KafkajsConsumer(consumer, options, log);
  }

  async subscribe(topics: readonly string[]): Promise<void> {
    this.#expect('connected', 'subscribe');
    const fromBeginning = (this.#options.autoOffsetReset ?? 'earliest') === 'earliest';
    await mapErrors('subscribe', () => this.#consumer.subscribe({ topics: [...topics], fromBeginning }));
    this.#state = 'subscribed';
  }

  async run(handler: BatchHandler): Promise<void> {
    this.#expect('subscribed', 'run');
    this.#state = 'running';
    await mapErrors('run consumer', () =>
      this.#consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 1,
        eachBatch: (payload) => this.#deliver(handler, payload),
      }),
    );
  }

  async #deliver(handler: BatchHandler, payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    if (this.#state !== 'running' || batch.messages.length === 0) return;
    const records = batch.messages.map((message) => toConsumerRecord(batch.topic, batch.partition, message));
    try {
      await handler(
        { topic: batch.topic, partition: batch.partition, records, highWatermark: BigInt(batch.highWatermark), nextOffset: BigInt(batch.lastOffset()) + 1n },
        {
          heartbeat: () => mapErrors('heartbeat', () => payload.heartbeat()),
          isRunning: () => this.#state === 'running' && payload.isRunning() && !payload.isStale(),
        },
      );
    } catch (err) {
      // Not rethrown: kafkajs would redeliver the batch to the handler under its retry policy.
      this.#crash(err);
      return;
    }
    payload.resolveOffset(records[records.length - 1]!.offset.toString());
  }

  #crash(err: unknown): void {
    if (this.#state === 'stopping' || this.#state === 'stopped') return;
    const error = toStreamdError(err, `consumer of group ${this.#options.groupId} crashed`);
    this.#log.error({ err: error, groupId: this.#options.groupId }, 'consumer crashed; leaving the group');
    this.emit('crashed', error);
    void this.stop().catch((stopErr: unknown) => this.#log.warn({ err: stopErr }, 'stopping a crashed consumer failed'));
  }

  pause(partitions: readonly TopicPartition[]): void {
    this.#consumer.pause(byTopic(partitions));
  }

  resume(partitions: readonly TopicPartition[]): void {
    this.#consumer.resume(byTopic(partitions));
  }

  seek({ topic, partition, offset }: TopicPartitionOffset): void {
    this.#consumer.seek({ topic, partition, offset: offset.toString() });
  }

  async commit(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    // kafkajs silently drops commits of a consumer that is not running; streamd must know.
    this.#expect('running', 'commit');
    if (offsets.length === 0) return;
    const entries = offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset: offset.toString() }));
    await mapErrors('commit offsets', () => this.#consumer.commitOffsets(entries));
  }

  assignment(): readonly TopicPartition[] {
    return this.#assignment;
  }

  async groupAssignment(): Promise<GroupAssignment> {
    return toGroupAssignment(await mapErrors('describe group', () => this.#consumer.describeGroup()));
  }

  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#state = 'stopping';
      try {
        await mapErrors('stop consumer', () => this.#consumer.disconnect());
      } finally {
        this.#assignment = [];
        this.#state = 'stopped';
      }
    })();
    return this.#stopping;
  }

  #expect(state: State, action: string): void {
    if (this.#state !== state) throw new IllegalStateError(`cannot ${action}: the consumer is ${this.#state}, expected ${state}`);
  }
}
