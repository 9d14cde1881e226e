// A consumer-group member over kafkajs: explicit commits only, batches handed over one at a time
// (including the record-less ones kafkajs keeps to itself), the streamd assignor plugged in, and
// assignment events in streamd's shape.

import { EventEmitter } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Consumer as RawConsumer, EachBatchPayload, Kafka } from 'kafkajs';
import { IllegalStateError, RebalanceInProgressError } from '../../../errors/index.js';
import { JoinHold } from '../../join-hold.js';
import { roundRobinAssignor } from '../../round-robin-assignor.js';
import type {
  BatchContext,
  BatchHandler,
  Consumer,
  ConsumerEvents,
  ConsumerOptions,
  GroupAssignment,
  RecordBatch,
  TopicPartition,
  TopicPartitionOffset,
} from '../../types.js';
import { toGroupAssignment, toPartitionAssigner } from './assignor.js';
import { mapErrors, toStreamdError } from './errors.js';
import { JOIN_CUT_SHORT, cutRequestsInFlight, hookCoordinator, leaveGroupAs, newCluster, withCluster, type RawCluster } from './group-internals.js';
import { toConsumerRecord } from './records.js';
import { wakeSleepers } from './fetch-wake.js';
import { SeekStaleness } from './seek-staleness.js';

type State = 'connected' | 'subscribed' | 'running' | 'stopping' | 'stopped';

/**
 * How long a stop lets the requests in flight finish before it cuts them (a fetch ends within
 * maxWaitMs). Too low: a commit or LeaveGroup in flight is cut; too high: a stop during a join
 * kafkajs started on its own (after UNKNOWN_MEMBER_ID) waits this long.
 */
const STOP_GRACE_MS = 3_000;

function joinCutShort(): Error {
  const error = new Error(JOIN_CUT_SHORT);
  error.name = 'AbortError';
  return error;
}

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
  readonly #kafka: Kafka;
  /** The consumer's own cluster connection (kafkajs internals), to cut a join short on stop. */
  readonly #cluster: RawCluster | undefined;
  readonly #options: ConsumerOptions;
  readonly #log: Logger;
  #state: State = 'connected';
  /** True from run() or a rebalance until the member has joined: a JoinGroup may be waiting. */
  #isJoining = false;
  /** The id the coordinator gave this member for a join still in flight (see hookCoordinator). */
  #pendingMemberId: string | undefined;
  #assignment: readonly TopicPartition[] = [];
  #stopping: Promise<void> | undefined;
  #handler: BatchHandler | undefined;
  /** Batch deliveries in order: each waits for the one before, so the handler runs one at a time. */
  #deliveries: Promise<void> = Promise.resolve();
  readonly #staleness = new SeekStaleness();
  readonly #joinHold: JoinHold;

  private constructor(kafka: Kafka, consumer: RawConsumer, cluster: RawCluster | undefined, options: ConsumerOptions, log: Logger) {
    super();
    this.#kafka = kafka;
    this.#consumer = consumer;
    this.#cluster = cluster;
    this.#options = options;
    this.#log = log;
    this.#joinHold = new JoinHold((options.rebalanceTimeoutMs ?? 60_000) / 2, log);
    if (cluster !== undefined) {
      hookCoordinator(cluster, options.groupId, {
        onPendingMemberId: (memberId) => (this.#pendingMemberId = memberId),
        isStopping: () => this.#state === 'stopping' || this.#state === 'stopped',
        refusal: joinCutShort,
        beforeJoin: () => this.#joinHold.release(),
      });
    }
    const { GROUP_JOIN, REBALANCING, CRASH, FETCH_START, FETCH, END_BATCH_PROCESS } = consumer.events;
    consumer.on(GROUP_JOIN, ({ payload }) => {
      this.#isJoining = false;
      this.#pendingMemberId = undefined;
      this.#staleness.joined();
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
      this.#isJoining = true;
      this.#assignment = [];
      this.emit('rebalancing', this.#joinHold.open());
    });
    consumer.on(CRASH, ({ payload }) => {
      if (!payload.restart) this.#crash(payload.error);
    });
    consumer.on(FETCH_START, ({ payload }) => this.#staleness.fetchStarted(payload.nodeId));
    consumer.on(FETCH, ({ payload }) => this.#staleness.fetched(payload.nodeId));
    // kafkajs does not call eachBatch for a fetch whose records were all control markers or aborted
    // records (runner.js, `isEmptyDueToFiltering`): it resolves the partition's offset past them and
    // emits START_BATCH_PROCESS and END_BATCH_PROCESS with batchSize 0, and nothing else. That event
    // pair is the only public trace of the move, so it is what we hand over as a record-less batch.
    // END rather than START: it is emitted after the offset was resolved, so the position has moved.
    // Every other END_BATCH_PROCESS follows an eachBatch call and has batchSize > 0 (empty fetches
    // emit none). The listener runs synchronously inside kafkajs's loop, so it only queues the
    // delivery behind any in progress; the next eachBatch queues behind it, keeping offset order.
    consumer.on(END_BATCH_PROCESS, ({ payload }) => {
      if (payload.batchSize !== 0) return;
      const batch: RecordBatch = {
        topic: payload.topic,
        partition: payload.partition,
        records: [],
        highWatermark: BigInt(payload.highWatermark),
        nextOffset: BigInt(payload.lastOffset) + 1n,
      };
      const fetchMark = this.#staleness.fetchMark();
      // A failure is reported by #inOrder; nobody else is waiting for this promise.
      this.#inOrder(() => this.#deliverRecordless(batch, fetchMark)).catch(() => undefined);
    });
  }

  static async connect(kafka: Kafka, options: ConsumerOptions, log: Logger): Promise<KafkajsConsumer> {
    const { made: consumer, cluster } = withCluster(kafka, () => kafka.consumer({
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
    }));
    await mapErrors(`connect consumer of group ${options.groupId}`, () => consumer.connect());
    return new KafkajsConsumer(kafka, consumer, cluster, options, log);
  }

  async subscribe(topics: readonly (string | RegExp)[]): Promise<void> {
    this.#expect('connected', 'subscribe');
    const fromBeginning = (this.#options.autoOffsetReset ?? 'earliest') === 'earliest';
    await mapErrors('subscribe', () => this.#consumer.subscribe({ topics: [...topics], fromBeginning }));
    this.#state = 'subscribed';
  }

  async run(handler: BatchHandler): Promise<void> {
    this.#expect('subscribed', 'run');
    this.#state = 'running';
    this.#handler = handler;
    this.#isJoining = true;
    await mapErrors('run consumer', () =>
      this.#consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 1,
        eachBatch: (payload) => this.#inOrder(() => this.#deliver(payload)),
      }),
    );
  }

  /** Runs `delivery` after every delivery queued before it; one that fails does not hold up the rest. */
  #inOrder(delivery: () => Promise<void>): Promise<void> {
    const next = this.#deliveries.then(delivery);
    this.#deliveries = next.catch((err: unknown) => this.#crash(err));
    return next;
  }

  async #deliver(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    if (this.#state !== 'running' || this.#handler === undefined || batch.messages.length === 0) return;
    const records = batch.messages.map((message) => toConsumerRecord(batch.topic, batch.partition, message));
    const isDelivered = await this.#callHandler(
      {
        topic: batch.topic,
        partition: batch.partition,
        records,
        highWatermark: BigInt(batch.highWatermark),
        // lastOffset() counts the control markers and aborted records at the batch's tail, and
        // resolving the last record's offset resolves lastOffset() (runner.js), so this is the position.
        nextOffset: BigInt(batch.lastOffset()) + 1n,
      },
      {
        heartbeat: () => mapErrors('heartbeat', () => payload.heartbeat()),
        isRunning: () => this.#state === 'running' && payload.isRunning() && !payload.isStale(),
      },
    );
    if (isDelivered) payload.resolveOffset(records[records.length - 1]!.offset.toString());
  }

  /** kafkajs has already moved the position past this batch; only the handler is left to call. */
  async #deliverRecordless(batch: RecordBatch, fetchMark: number): Promise<void> {
    if (this.#state !== 'running') return;
    const isAssigned = (): boolean => this.#assignment.some((p) => p.topic === batch.topic && p.partition === batch.partition);
    await this.#callHandler(batch, {
      // kafkajs's own loop heartbeats around this batch; a rebalance shows as a revoked assignment.
      heartbeat: () =>
        isAssigned()
          ? Promise.resolve()
          : Promise.reject(new RebalanceInProgressError(`group "${this.#options.groupId}" is rebalancing`)),
      isRunning: () => this.#state === 'running' && isAssigned() && !this.#staleness.isStale(batch, fetchMark),
    });
  }

  /** False when the handler rejected: the consumer crashes instead. */
  async #callHandler(batch: RecordBatch, context: BatchContext): Promise<boolean> {
    try {
      await this.#handler!(batch, context);
      return true;
    } catch (err) {
      // Not rethrown: kafkajs would redeliver the batch to the handler under its retry policy.
      this.#crash(err);
      return false;
    }
  }

  #crash(err: unknown): void {
    if (this.#state === 'stopping' || this.#state === 'stopped') return;
    const error = toStreamdError(err, `consumer of group ${this.#options.groupId} crashed`);
    this.#log.error({ err: error, groupId: this.#options.groupId }, 'consumer crashed; leaving the group');
    this.emit('crashed', error);
    void this.stop().catch((stopErr: unknown) => this.#log.warn({ err: stopErr }, 'stopping a crashed consumer failed'));
  }

  /** Ignored unless the consumer runs: kafkajs throws for a consumer whose join never finished. */
  pause(partitions: readonly TopicPartition[]): void {
    if (this.#state === 'running') this.#consumer.pause(byTopic(partitions));
  }

  /** The fetch loop, asleep if every partition was paused, fetches again at once (fetch-wake.ts). */
  resume(partitions: readonly TopicPartition[]): void {
    if (this.#state !== 'running') return;
    this.#consumer.resume(byTopic(partitions));
    wakeSleepers();
  }

  seek({ topic, partition, offset }: TopicPartitionOffset): void {
    this.#consumer.seek({ topic, partition, offset: offset.toString() });
    this.#staleness.seeked({ topic, partition });
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

  /**
   * Leaves the group and disconnects. kafkajs's disconnect waits for the requests in flight, and a
   * JoinGroup waits for every member of the group (a dead one: its whole session): so a stop during
   * a join cuts that join short, and removes the member the coordinator had already counted; any
   * other request still in flight after STOP_GRACE_MS is cut too.
   */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      const wasJoining = this.#state === 'running' && this.#isJoining;
      this.#state = 'stopping';
      // Called first: kafkajs marks its runner stopped synchronously, so the cut join is not retried.
      const disconnecting = mapErrors('stop consumer', () => this.#consumer.disconnect());
      const grace = new AbortController();
      if (wasJoining) this.#cutJoin();
      else
        void delay(STOP_GRACE_MS, undefined, { signal: grace.signal }).then(
          () => this.#cutJoin(),
          () => undefined,
        );
      try {
        await disconnecting;
        // A record-less batch queued outside kafkajs's loop may still be in the handler.
        await this.#deliveries;
      } finally {
        grace.abort();
        this.#assignment = [];
        this.#state = 'stopped';
      }
      await this.#leavePending();
    })();
    return this.#stopping;
  }

  #cutJoin(): void {
    if (this.#cluster === undefined) return;
    this.#log.info({ groupId: this.#options.groupId }, 'stopping while a group join or request is in flight: cutting it short');
    cutRequestsInFlight(this.#cluster, joinCutShort());
  }

  /** A join cut short before its answer: the coordinator counts the member, so remove it (best effort). */
  async #leavePending(): Promise<void> {
    const memberId = this.#pendingMemberId;
    if (memberId === undefined) return;
    this.#pendingMemberId = undefined;
    const cluster = newCluster(this.#kafka);
    try {
      await cluster.connect();
      const outcome = await leaveGroupAs(cluster, this.#options.groupId, memberId);
      this.#log.info({ groupId: this.#options.groupId, memberId, outcome }, 'left the group for the join cut short');
    } catch (err) {
      this.#log.warn({ err, groupId: this.#options.groupId, memberId }, 'could not remove the member of the join cut short; the group drops it when its session times out');
    } finally {
      await cluster.disconnect().catch(() => undefined);
    }
  }

  #expect(state: State, action: string): void {
    if (this.#state !== state) throw new IllegalStateError(`cannot ${action}: the consumer is ${this.#state}, expected ${state}`);
  }
}
