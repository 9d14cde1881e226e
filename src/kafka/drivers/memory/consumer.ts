// MemoryConsumer: one group member on the embedded broker — its lifecycle and the fetch loop that
// hands batches to the handler one at a time. Created by MemoryDriver.consumer(); its side of the
// group protocol is GroupMembership, its positions FetchPositions, the group GroupCoordinator.

import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { hasCode, IllegalStateError, RebalanceInProgressError } from '../../../errors/index.js';
import { JoinHold } from '../../join-hold.js';
import { roundRobinAssignor } from '../../round-robin-assignor.js';
import type {
  BatchContext,
  BatchHandler,
  Consumer,
  ConsumerEvents,
  ConsumerOptions,
  GroupAssignment,
  TopicPartition,
  TopicPartitionOffset,
} from '../../types.js';
import type { MemoryCluster } from './cluster.js';
import { FetchPositions, type FetchedBatch } from './fetch-positions.js';
import type { GroupCoordinator } from './group-coordinator.js';
import { GroupMembership } from './group-membership.js';
import { Notifier, timerMs } from './notifier.js';
import { runNow } from './run-now.js';

/**
 * Whether the fetch loop runs. Membership (assigned, rebalancing) is the group's business and
 * lives in GroupMembership.
 *
 *   created ──run──▶ joining ──first assignment──▶ running ──stop──▶ stopping ──▶ stopped
 *      └──stop (never ran)──▶ stopped      joining/running/stopping ──handler threw──▶ crashed
 */
type ConsumerState = 'created' | 'joining' | 'running' | 'stopping' | 'stopped' | 'crashed';

const TRANSITIONS: Readonly<Record<ConsumerState, readonly ConsumerState[]>> = {
  created: ['joining', 'stopped'],
  joining: ['running', 'stopping', 'crashed'],
  running: ['stopping', 'crashed'],
  stopping: ['stopped', 'crashed'],
  stopped: [],
  crashed: [],
};

const DEFAULTS = { rebalanceTimeoutMs: 60_000, maxBytesPerPartition: 1_048_576, maxWaitMs: 500 } as const;

/**
 * A handler that rejects crashes the consumer: the member leaves its group, `crashed` is emitted
 * and the loop ends. kafkajs would restart the loop itself; streamd's supervisor decides instead.
 * A handler that rejects with STREAMD_REBALANCE_IN_PROGRESS only drops its batch and rejoins.
 * sessionTimeoutMs and heartbeatIntervalMs are accepted and unused: an in-process member cannot
 * go silent, it always leaves on stop or crash.
 */
export class MemoryConsumer implements Consumer {
  #state: ConsumerState = 'created';
  readonly #cluster: MemoryCluster;
  readonly #group: GroupCoordinator;
  readonly #logger: Logger;
  readonly #rebalanceTimeoutMs: number;
  readonly #maxWaitMs: number;
  readonly #wakeup = new Notifier();
  readonly #events = new EventEmitter();
  readonly #positions: FetchPositions;
  readonly #membership: GroupMembership;
  #loop: Promise<void> | undefined;
  #markReady: () => void = () => undefined;
  #stopping: Promise<void> | undefined;

  constructor(cluster: MemoryCluster, options: ConsumerOptions, clientId: string, logger: Logger) {
    this.#cluster = cluster;
    this.#group = cluster.group(options.groupId);
    this.#logger = logger.child({ groupId: options.groupId });
    this.#rebalanceTimeoutMs = options.rebalanceTimeoutMs ?? DEFAULTS.rebalanceTimeoutMs;
    this.#maxWaitMs = options.maxWaitMs ?? DEFAULTS.maxWaitMs;
    const wake = (): void => this.#wakeup.notify();
    const joinHold = new JoinHold(this.#rebalanceTimeoutMs / 2, this.#logger);
    this.#positions = new FetchPositions(cluster, {
      groupId: options.groupId,
      isolation: options.isolation ?? 'read_committed',
      autoOffsetReset: options.autoOffsetReset ?? 'earliest',
      maxBytesPerPartition: options.maxBytesPerPartition ?? DEFAULTS.maxBytesPerPartition,
    }, wake);
    this.#membership = new GroupMembership(this.#group, this.#positions, {
      clientId,
      assignor: options.assignor ?? roundRobinAssignor,
      rebalanceTimeoutMs: this.#rebalanceTimeoutMs,
      wake,
      logger: this.#logger,
      onAssigned: (event) => {
        if (this.#state === 'joining') this.#transition('running');
        this.#markReady();
        this.#events.emit('assigned', event);
      },
      onRevoked: () => this.#events.emit('rebalancing', joinHold.open()),
      joinHold,
    });
  }

  /** Adds `topics` to the subscription (as kafkajs does); while running, the group rebalances. */
  subscribe(subscriptions: readonly (string | RegExp)[]): Promise<void> {
    return runNow(() => {
      if (!this.#isActive() && this.#state !== 'created') throw new IllegalStateError(`subscribe() on a consumer that is ${this.#state}`);
      // A pattern stands for the topics that match it now, as kafkajs resolves it.
      const names = this.#cluster.topicNames();
      const topics = subscriptions.flatMap((s) => (typeof s === 'string' ? [s] : names.filter((name) => s.test(name))));
      for (const topic of topics) this.#cluster.logs(topic); // rejects an unknown topic
      const merged = [...new Set([...this.#membership.topics, ...topics])];
      if (merged.length > this.#membership.topics.length) this.#membership.subscribe(merged);
    });
  }

  /** Joins the group and starts the fetch loop; resolves at the first assignment (or when the loop ends). */
  async run(handler: BatchHandler): Promise<void> {
    if (this.#state !== 'created') throw new IllegalStateError(`run() on a consumer that is ${this.#state}`);
    if (this.#membership.topics.length === 0) throw new IllegalStateError('subscribe to at least one topic before run()');
    this.#transition('joining');
    const ready = new Promise<void>((resolve) => (this.#markReady = resolve));
    this.#loop = this.#runLoop(handler);
    await ready;
  }

  pause(partitions: readonly TopicPartition[]): void {
    this.#positions.pause(partitions);
  }

  resume(partitions: readonly TopicPartition[]): void {
    this.#positions.resume(partitions);
    this.#wakeup.notify();
  }

  /** Ignored for a partition this member is not assigned. */
  seek(position: TopicPartitionOffset): void {
    if (this.#positions.seek(position)) this.#wakeup.notify();
    else this.#logger.debug({ topic: position.topic, partition: position.partition }, 'seek on an unassigned partition ignored');
  }

  /**
   * Rejects with STREAMD_REBALANCE_IN_PROGRESS unless this member is in the group's current
   * generation and owns every partition. Until its next generation starts, a member may still commit
   * while a rebalance is pending, as in Kafka — so commit from the handler, not after `rebalancing`.
   */
  commit(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    return runNow(() => {
      if (this.#state === 'created') throw new IllegalStateError('commit() before run(): the consumer is not in its group');
      this.#membership.checkCommit(offsets);
      this.#cluster.commitOffsets(this.#group.groupId, offsets);
    });
  }

  assignment(): readonly TopicPartition[] {
    return this.#positions.assigned();
  }

  /** The last completed generation; no members once the group is empty. */
  groupAssignment(): Promise<GroupAssignment> {
    return runNow(() => this.#group.assignment());
  }

  on<E extends keyof ConsumerEvents>(event: E, listener: (...args: ConsumerEvents[E]) => void): this {
    this.#events.on(event, listener as (...args: unknown[]) => void);
    return this;
  }

  off<E extends keyof ConsumerEvents>(event: E, listener: (...args: ConsumerEvents[E]) => void): this {
    this.#events.off(event, listener as (...args: unknown[]) => void);
    return this;
  }

  /**
   * Waits for the batch in flight (at most rebalanceTimeoutMs, the time the group would give it),
   * then leaves the group. A handler still running after that can no longer commit.
   */
  stop(): Promise<void> {
    return (this.#stopping ??= this.#stop());
  }

  async #stop(): Promise<void> {
    if (this.#state === 'created') return this.#transition('stopped');
    if (this.#isActive()) this.#transition('stopping');
    this.#wakeup.notify();
    if (this.#loop !== undefined) await this.#awaitLoop(this.#loop);
    this.#membership.leave();
    if (this.#state === 'stopping') this.#transition('stopped');
  }

  async #awaitLoop(loop: Promise<void>): Promise<void> {
    const deadline = new AbortController();
    const timedOut = sleep(timerMs(this.#rebalanceTimeoutMs), true, { signal: deadline.signal }).catch(() => false);
    const isLate = await Promise.race([loop.then(() => false), timedOut]);
    deadline.abort();
    if (isLate) {
      this.#logger.warn({ timeoutMs: this.#rebalanceTimeoutMs }, 'batch handler still running at stop: leaving the group without it');
    }
  }

  /** Never rejects: a failure crashes the consumer. */
  async #runLoop(handler: BatchHandler): Promise<void> {
    try {
      while (this.#isActive()) {
        const step = this.#membership.sync();
        if (step === 'changed') continue;
        const fetched = step === 'assigned' ? this.#positions.next() : undefined;
        if (fetched === undefined) await this.#wakeup.wait(this.#maxWaitMs);
        else await this.#deliver(fetched, handler);
      }
    } catch (err) {
      this.#crash(err instanceof Error ? err : new Error(String(err)));
    } finally {
      this.#membership.leave();
      this.#markReady();
    }
  }

  async #deliver(fetched: FetchedBatch, handler: BatchHandler): Promise<void> {
    try {
      await handler(fetched.batch, this.#batchContext(fetched.batch));
    } catch (err) {
      if (!hasCode(err, 'STREAMD_REBALANCE_IN_PROGRESS')) throw err;
      // The batch is dropped and redelivered from the committed offset after a rejoin, as in kafkajs.
      this.#membership.rejoinIfCurrent();
      return;
    }
    this.#positions.advance(fetched);
  }

  #batchContext(batch: TopicPartition): BatchContext {
    return {
      heartbeat: () =>
        runNow(() => {
          if (!this.#membership.isCurrent()) throw new RebalanceInProgressError(`group "${this.#group.groupId}" is rebalancing`);
        }),
      isRunning: () =>
        this.#state === 'running'
        && this.#membership.isCurrent()
        && this.#positions.isAssigned(batch)
        && !this.#positions.hasPendingSeek(batch),
    };
  }

  #crash(error: Error): void {
    if (this.#state === 'stopped') {
      // stop() gave up waiting for this batch and the member has left: nobody is left to tell.
      this.#logger.error({ err: error }, 'batch handler failed after the consumer stopped');
      return;
    }
    this.#transition('crashed');
    this.#membership.leave();
    this.#logger.error({ err: error }, 'consumer crashed: its fetch loop has stopped');
    try {
      this.#events.emit('crashed', error);
    } catch (listenerError) {
      this.#logger.error({ err: listenerError }, 'a crashed listener threw');
    }
  }

  #isActive(): boolean {
    return this.#state === 'joining' || this.#state === 'running';
  }

  #transition(to: ConsumerState): void {
    if (!TRANSITIONS[this.#state].includes(to)) throw new IllegalStateError(`consumer: illegal transition ${this.#state} → ${to}`);
    this.#logger.debug({ service: 'memory-consumer', from: this.#state, to }, 'consumer state');
    this.#state = to;
  }
}
