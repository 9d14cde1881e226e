// The worker's one group consumer: feeds batches to the conductor, tracks acks per partition and
// commits. Each commit follows the protocol in commit-snapshot.ts (flush the producer, send the
// changelog records, commit the offsets, write the stores). Commits run every commitIntervalMs, every
// commitEvery acks, on rebalance (best effort: kafkajs rejoins at once) and at the end of a drain;
// a broker failure is waited out by rejoining as a new member (#waitOutBroker).

import type { Logger } from 'pino';
import { isRetriableFailure, type AssignedEvent, type BrokerOutage, type Consumer, type ConsumerOptions, type GroupAssignment, type KafkaDriver, type RebalancingEvent, type RecordBatch, type TopicPartition } from '../kafka/index.js';
import type { WorkerMetrics } from '../metrics/index.js';
import { isAbortError, Service, SystemClock, type Clock } from '../service/index.js';
import { commitSnapshot, type CommitContext, type CommitParticipant } from './commit-snapshot.js';
import { commitTransactions, type CommitPart, type PartOffset, type TransactionalSteps } from './commit-transactions.js';
import type { Conductor } from './conductor.js';
import { CommittedFloors } from './committed-floors.js';
import { LivelockWatch } from './livelock-watch.js';
import { PartitionEnds } from './partition-ends.js';
import { PatternWatch } from './pattern-watch.js';
import { PartitionTracker } from './tracked-message.js';

export type { CommitParticipant } from './commit-snapshot.js';
export type { CommitPart, TransactionalSteps } from './commit-transactions.js';

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
  /** Warn when a partition with events has not committed past the same offset this long (LivelockWatch). */
  readonly commitLivelockSoftTimeoutMs?: number;
  /** Called when the assignment is revoked: buffered events must be dropped. */
  readonly onRevoked: () => void;
  /**
   * Called on every assignment. When it returns a promise, the assigned partitions stay paused
   * until it resolves (table recovery); a rejection crashes the consumer.
   */
  readonly onAssigned?: (event: AssignedEvent) => Promise<void> | undefined;
  /** Tables' part of each commit: see `commit`. */
  readonly tables?: CommitParticipant;
  /** Topics subscribed besides the conductor's (the leader topic). */
  readonly extraTopics?: readonly string[];
  /** How often the conductor's topic patterns are listed for new matching topics (default 30 s). */
  readonly topicPatternRefreshIntervalMs?: number;
  readonly clock?: Clock;
  /**
   * When given, a retriable Kafka failure (the consumer crashing on a lost broker, a coordinator
   * loading, a commit that could not reach the broker) is waited out: the member leaves and joins
   * again as a new one, with backoff, until the outage's deadline. Without it, such a failure crashes.
   */
  readonly outage?: BrokerOutage;
  /**
   * exactly_once: the transactions that replace steps (1) and (2) of every commit. Each commit then
   * takes, with each partition's offset, what processing that partition sent (its outbox).
   */
  readonly transactions?: TransactionalSteps;
}

const id = (tp: TopicPartition): string => `${tp.topic}\u0000${tp.partition}`;

/**
 * exactly_once: how often the records of acked events go from the partitions' outboxes into their
 * open transactions, between commits (sending overlaps processing, and the commit has less to send).
 */
const PUMP_INTERVAL_MS = 100;

export class StreamSource extends Service {
  readonly #options: StreamSourceOptions;
  readonly #clock: Clock;
  readonly #trackers = new Map<string, PartitionTracker>();
  /** Each partition's end offset as its last batch saw it, or as the broker says (lag gauge, isCaughtUp). */
  readonly #ends: PartitionEnds;
  #consumer: Consumer | undefined;
  #assignment: readonly TopicPartition[] = [];
  #settledSinceCommit = 0;
  #committing: Promise<void> | undefined;
  /** The best-effort commit of the last revoke (never rejects): recovery waits for its table writes. */
  #revokeCommit: Promise<void> | undefined;
  #nextCommit: Promise<void> | undefined;
  #isDraining = false;
  #isAssigned = false;
  #rejoining: Promise<void> | undefined;
  #generation = 0;
  /** exactly_once: the committed offsets below which records were an earlier owner's (see CommittedFloors). */
  readonly #floors = new CommittedFloors();
  /** Partitions held paused until onAssigned's promise resolves. */
  #gated: readonly TopicPartition[] = [];
  /** True while the member rejoins after a broker failure (see #waitOutBroker). */
  #isWaitingOutBroker = false;
  /** The conductor's topic patterns; undefined when it has none. */
  readonly #patterns: PatternWatch | undefined;
  /** Consumers that crashed, and why: a join during the wait checks its consumer here. */
  readonly #crashes = new WeakMap<Consumer, Error>();

  constructor(options: StreamSourceOptions) {
    super({ name: options.name ?? 'consumer', logger: options.logger });
    this.#options = options;
    this.#ends = new PartitionEnds({ driver: options.driver, groupId: options.consumer.groupId, log: this.log });
    this.#clock = options.clock ?? new SystemClock();
    const patterns = options.conductor.patterns();
    this.#patterns = patterns.length === 0 ? undefined : new PatternWatch(options.driver, patterns, this.log);
  }

  /** True once the member has joined the group and received an assignment. */
  get isAssigned(): boolean {
    return this.#isAssigned;
  }

  get assignment(): readonly TopicPartition[] {
    return this.#assignment;
  }

  /** True while the assignment waits for onAssigned (tables recovering). */
  get isGated(): boolean {
    return this.#gated.length > 0;
  }

  /** Every member's partitions and userData in the current generation. */
  groupAssignment(): Promise<GroupAssignment> {
    if (this.#consumer === undefined) return Promise.reject(new Error('the consumer is not started'));
    return this.#consumer.groupAssignment();
  }

  /** Resolves when the commit in progress (and its follow-up) has ended, either way. */
  async whenCommitted(): Promise<void> {
    await this.#revokeCommit;
    await this.#committing?.catch(() => undefined);
    await this.#nextCommit?.catch(() => undefined);
  }

  protected override async onStart(): Promise<void> {
    try {
      await this.#joinUnlessAborted();
    } catch (error) {
      if (this.signal.aborted || this.#options.outage === undefined || !isRetriableFailure(error)) throw error;
      this.#onFailure(error);
    }
    const livelock = new LivelockWatch(this.#options.commitLivelockSoftTimeoutMs ?? 300_000, this.#clock, this.log);
    this.spawn('commit timer', async (signal) => {
      for (;;) {
        await this.#clock.sleep(this.#options.commitIntervalMs, signal);
        livelock.check(this.#trackers.values());
        await this.commit('interval').catch((error: unknown) => this.#onCommitFailed(error));
      }
    });
    const transactions = this.#options.transactions;
    if (transactions !== undefined) {
      this.spawn('transaction pump', async (signal) => {
        for (;;) {
          await this.#clock.sleep(PUMP_INTERVAL_MS, signal);
          this.#pump(transactions);
        }
      });
    }
    const patterns = this.#patterns;
    if (patterns !== undefined) this.spawn('topic pattern refresh', (signal) => this.#refreshPatterns(patterns, signal));
  }

  /** Rejoins the group when a topic pattern matches a topic the member is not subscribed to. */
  async #refreshPatterns(patterns: PatternWatch, signal: AbortSignal): Promise<void> {
    for (;;) {
      await this.#clock.sleep(this.#options.topicPatternRefreshIntervalMs ?? 30_000, signal);
      if (this.#consumer === undefined || this.#isDraining || this.#rejoining !== undefined) continue;
      const added = await patterns.added().catch((err: unknown) => {
        this.log.warn({ err }, 'could not list the topics for the topic patterns; trying again at the next refresh');
        return [];
      });
      if (added.length === 0 || this.#isDraining) continue;
      this.log.info({ topics: added }, 'new topics match a topic pattern: joining the group again to read them');
      await this.rejoin(`new topics match a topic pattern: ${added.join(', ')}`);
    }
  }

  /** A commit that failed on a broker outage is waited out (see #onFailure); any other failure is rethrown. */
  #onCommitFailed(error: unknown): void {
    if (this.#options.outage === undefined || !isRetriableFailure(error)) throw error;
    this.#onFailure(error);
  }

  /**
   * A failure of the consumer or of its work. A retriable Kafka failure, with an outage to report it
   * to, is waited out (#waitOutBroker); anything else crashes the source.
   */
  #onFailure(error: unknown): void {
    const isActive = this.state === 'starting' || this.state === 'running';
    if (this.#options.outage === undefined || !isRetriableFailure(error) || !isActive || this.#isDraining) {
      this.crash(error);
      return;
    }
    if (this.#isWaitingOutBroker) return;
    this.#isWaitingOutBroker = true;
    this.spawn('rejoin after a broker failure', (signal) => this.#waitOutBroker(error, signal).finally(() => (this.#isWaitingOutBroker = false)));
  }

  /**
   * Leaves the group (the events in flight are dropped, as on any revoke: they were not committed)
   * and joins again as a new member, with backoff, until a join holds or the outage's deadline
   * passes (then BrokerOutage throws, and the source crashes with the reason).
   */
  async #waitOutBroker(first: unknown, signal: AbortSignal): Promise<void> {
    const outage = this.#options.outage!;
    this.log.warn({ err: first }, 'a broker failure stopped the consumer: joining the group again as a new member once the broker answers');
    this.#revoked('broker failure');
    this.#isAssigned = false;
    const old = this.#consumer;
    this.#consumer = undefined;
    await old?.stop().catch((err: unknown) => this.log.debug({ err }, 'stopping the failed consumer failed'));
    let error = first;
    for (let attempt = 0; ; attempt++) {
      await outage.waitOut('consumer', error, attempt, signal);
      if (this.#isDraining || signal.aborted) return;
      try {
        const joined = await this.#join(signal);
        const crash = this.#crashes.get(joined);
        if (crash === undefined) return;
        if (!isRetriableFailure(crash)) throw crash;
        error = crash;
        this.#consumer = undefined;
        await joined.stop().catch(() => undefined);
      } catch (err) {
        if (!isRetriableFailure(err)) throw err;
        error = err;
      }
    }
  }

  protected override async onStop(): Promise<void> {
    await this.#rejoining;
    // A revoke commit still running needs its consumer: a stopped one refuses the offsets after the
    // changelog records went out.
    await this.#revokeCommit;
    await this.#consumer?.stop();
    await this.#ends.close();
  }

  /**
   * The first join, which a stop cuts short: the join waits for every member of the group, a dead
   * one for its whole session (a worker killed a moment ago), and SIGTERM must not wait with it.
   */
  async #joinUnlessAborted(): Promise<void> {
    const signal = this.signal;
    const onAbort = (): void => {
      this.log.info('stop requested while joining the group: leaving without waiting for the join');
      void this.#consumer?.stop().catch((err: unknown) => this.log.warn({ err }, 'stopping the consumer during its join failed'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await this.#join(signal);
    } catch (err) {
      // What a consumer stopped mid-join throws is the stop's doing, not a failure.
      signal.throwIfAborted();
      throw err;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    signal.throwIfAborted();
  }

  async #join(signal?: AbortSignal): Promise<Consumer> {
    const { driver, conductor } = this.#options;
    const consumer = await driver.consumer(this.#options.consumer);
    this.#consumer = consumer;
    if (signal?.aborted === true) {
      await consumer.stop();
      return consumer;
    }
    consumer.on('assigned', (event) => this.#assigned(event));
    consumer.on('rebalancing', (event) => {
      this.log.info('the group is rebalancing: committing what was processed, then giving up the assignment to join again');
      this.#revoked('rebalance', event);
    });
    consumer.on('crashed', (error) => {
      this.#crashes.set(consumer, error);
      // A consumer that crashes while the source rejoins is the rejoin's to judge.
      if (this.#consumer === consumer && !this.#isWaitingOutBroker) this.#onFailure(error);
    });
    try {
      await this.#patterns?.subscribing();
      await consumer.subscribe([...conductor.topics(), ...(this.#patterns?.patterns ?? []), ...(this.#options.extraTopics ?? [])]);
      await consumer.run((batch) => {
        // A consumer being replaced (rejoin, broker failure) may still hand over a batch while it
        // stops; its events must not be tracked: the next member's commit would carry their acks
        // while their table writes went to partitions already revoked.
        if (this.#consumer === consumer) this.#deliver(batch);
        return Promise.resolve();
      });
    } catch (error) {
      if (this.#options.outage !== undefined) {
        if (this.#consumer === consumer) this.#consumer = undefined;
        await consumer.stop().catch(() => undefined);
      }
      throw error;
    }
    return consumer;
  }

  /**
   * Leaves the group and joins again as a new member. For a member the assignment left idle while
   * others hold several partitions (kafkajs#1361: a join raced with the leader's assignment): a
   * new join makes the leader assign again. Events in flight are dropped, as on any revoke.
   */
  rejoin(reason: string): Promise<void> {
    this.#rejoining ??= (async () => {
      const old = this.#consumer;
      if (old === undefined || this.state !== 'running') return;
      this.log.warn({ reason }, 'leaving the group and joining again');
      this.#revoked('rejoin');
      this.#isAssigned = false;
      this.#consumer = undefined;
      await old.stop();
      if (this.state === 'running' && !this.#isDraining) await this.#join();
    })()
      .catch((err: unknown) => this.crash(err))
      .finally(() => (this.#rejoining = undefined));
    return this.#rejoining;
  }

  #deliver(batch: RecordBatch): void {
    if (this.#isDraining || batch.records.length === 0) return;
    // A batch kafkajs fetched before a rebalance can arrive after the revoke and before the next
    // assignment: no assignment holds its partition, its table partitions are gone, and a commit of
    // it would be the next revoke's, after the group moved on. It is read again by whoever holds the
    // partition next, from the committed offset.
    if (!this.#assignment.some((tp) => tp.topic === batch.topic && tp.partition === batch.partition)) return;
    const above = this.#floors.filter(batch);
    if (above === undefined) return;
    batch = above;
    let tracker = this.#trackers.get(id(batch));
    if (tracker === undefined) {
      tracker = new PartitionTracker(batch.topic, batch.partition, (count) => this.#settled(count));
      this.#trackers.set(id(batch), tracker);
    }
    this.#ends.delivered(batch);
    this.#options.metrics.messagesIn(batch.topic, batch.records.length);
    this.#options.conductor.deliver(batch, tracker);
  }

  #settled(count: number): void {
    this.#settledSinceCommit += count;
    if (this.#settledSinceCommit >= this.#options.commitEvery) {
      this.commit('commitEvery').catch((error: unknown) => {
        try {
          this.#onCommitFailed(error);
        } catch {
          this.crash(error);
        }
      });
    }
  }

  #assigned(event: AssignedEvent): void {
    const { partitions } = event;
    // kafkajs also rejoins without a rebalancing event (UNKNOWN_MEMBER_ID); positions restart from
    // the committed offsets after any join, so trackers from before it must go.
    // Such a join came without a revoke: the old assignment may be others' by now, so at-least-once
    // commits nothing of it (its events are processed again; the tables' positions keep their writes
    // single). exactly_once commits: that ends the open transactions, and a task whose next owner
    // fenced its producer commits nothing.
    if (this.#trackers.size > 0 || this.#gated.length > 0) this.#revoked('rejoin', undefined, { commit: this.#options.transactions !== undefined });
    this.#assignment = partitions;
    this.#isAssigned = true;
    this.#options.outage?.recovered('consumer');
    this.#options.metrics.assignedPartitions(partitions.length);
    this.#options.metrics.rebalanced();
    this.log.info({ partitions: partitions.map((p) => `${p.topic}[${p.partition}]`) }, `assigned ${partitions.length} partitions`);
    const generation = ++this.#generation;
    if (this.#isDraining) {
      // kafkajs rejoins on a rebalance until the consumer has stopped. Nothing of this assignment
      // will be processed, so it gets no recovery (which could fail against a group this member is
      // leaving, and crash a clean stop); its partitions stay paused.
      this.#consumer?.pause(partitions);
      this.log.info({ partitions: partitions.length }, 'assigned while draining: the partitions stay paused');
      return;
    }
    const gate = this.#options.onAssigned?.(event);
    if (gate === undefined || partitions.length === 0) {
      void gate?.catch((err: unknown) => this.#onFailure(err));
      return;
    }
    this.#gated = partitions;
    this.#consumer?.pause(partitions);
    gate.then(
      () => {
        if (generation !== this.#generation) return;
        this.#gated = [];
        if (!this.#isDraining) this.#consumer?.resume(partitions);
        this.log.info({ partitions: partitions.length }, 'assignment ready: processing resumes');
      },
      (err: unknown) => {
        // A stop aborts an assignment step still running (exactly_once's stable read of the committed
        // offsets sleeps on this source's signal): that is the stop's doing, not a failure.
        if (this.signal.aborted && isAbortError(err)) return;
        if (generation === this.#generation) this.#onFailure(err);
      },
    );
  }

  /**
   * The assignment is going away: take what is committable now, forget every tracker (the
   * consumer will refetch from the committed offsets), drop buffered events, then commit the
   * snapshot if the group still accepts it. A rebalance's commit holds the member's rejoin
   * (RebalancingEvent): its changelog records land before a new owner can read the changelog.
   */
  #revoked(reason: string, rebalance?: RebalancingEvent, { commit = true } = {}): void {
    const offsets = commit ? this.#uncommitted() : [];
    // Taken before onRevoked drops the tables' pending writes: the commit must carry them.
    const taken = commit ? (this.#options.tables?.take() ?? []) : [];
    this.#gated = [];
    this.#generation += 1;
    for (const tracker of this.#trackers.values()) tracker.revoke();
    this.#trackers.clear();
    this.#floors.clear();
    this.#ends.clear();
    this.#options.metrics.clearConsumerLag();
    this.#assignment = [];
    this.#options.onRevoked();
    if (offsets.length === 0 && taken.length === 0) return;
    const previous = this.#revokeCommit ?? Promise.resolve();
    const consumer = this.#consumer;
    // Best effort, and only while the member that held the partitions has not joined again.
    const isStillOwner = (): boolean => consumer !== undefined && consumer === this.#consumer && rebalance?.rejoined.aborted !== true;
    this.#revokeCommit = previous
      .then(() => this.#commitOffsets(offsets, reason, taken, isStillOwner))
      .catch((err: unknown) => {
        this.log.info({ err, reason }, 'could not commit on revoke; those events will be processed again by the next owner');
      });
    rebalance?.holdJoin(this.#revokeCommit);
  }

  /** Every partition's acked prefix past its last commit, with (exactly_once) what its events sent. */
  #uncommitted(): PartOffset[] {
    const out: PartOffset[] = [];
    const isTransactional = this.#options.transactions !== undefined;
    for (const tracker of this.#trackers.values()) {
      const offset = tracker.uncommitted();
      if (offset === undefined) continue;
      const records = isTransactional ? tracker.outbox.take(offset) : [];
      out.push({ tracker, offset: { topic: tracker.topic, partition: tracker.partition, offset }, records });
    }
    return out;
  }

  /** Moves the records of acked events (below each partition's committable offset) into their open transactions. */
  #pump(transactions: TransactionalSteps): void {
    if (this.#isDraining) return;
    const parts: CommitPart[] = [];
    for (const tracker of this.#trackers.values()) {
      if (tracker.outbox.size === 0) continue;
      const offset = tracker.committable();
      if (offset === undefined) continue;
      const records = tracker.outbox.take(offset);
      if (records.length > 0) parts.push({ offset: { topic: tracker.topic, partition: tracker.partition, offset }, records });
    }
    if (parts.length > 0) transactions.send(parts);
  }

  /**
   * exactly_once: reads each partition's committed offset as the group has it now, once the
   * partitions' producers fenced every earlier owner, and skips any record below it (CommittedFloors).
   */
  async skipCommitted(partitions: readonly TopicPartition[]): Promise<void> {
    if (partitions.length === 0) return;
    const generation = this.#generation;
    const admin = await this.#options.driver.admin();
    try {
      await this.#floors.read(admin, this.#options.consumer.groupId, partitions, { clock: this.#clock, signal: this.signal, isCurrent: () => generation === this.#generation });
    } finally {
      await admin.close();
    }
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
    const taken = this.#options.tables?.take() ?? [];
    if (offsets.length === 0 && taken.length === 0) return;
    const consumer = this.#consumer;
    await this.#commitOffsets(offsets, reason, taken, () => consumer === this.#consumer);
  }

  /** Commits a snapshot by the protocol in commit-snapshot.ts; `isStillOwner` guards the changelog send. */
  async #commitOffsets(offsets: readonly PartOffset[], reason: string, taken: unknown[], isStillOwner: () => boolean): Promise<void> {
    // exactly_once commits without the consumer (the offsets go in the transactions), and must: a
    // rejoin or a broker failure drops the consumer before its revoke commit runs, and that commit
    // ends the open transactions holding the revoked generation's records. A task's next owner
    // fences its producer, so a commit for a partition that moved on fails instead of landing.
    if (this.#options.transactions !== undefined) {
      for (const o of await commitTransactions(this.#commitContext(), this.#options.transactions, offsets, reason, taken)) {
        this.#floors.committed(o);
      }
      return;
    }
    const consumer = this.#consumer;
    if (consumer === undefined) {
      if (taken.length > 0) this.#options.tables!.drop(taken);
      return;
    }
    await commitSnapshot(this.#commitContext(), { consumer, offsets, reason, taken, isStillOwner });
  }

  #commitContext(): CommitContext {
    return {
      log: this.log,
      clock: this.#clock,
      flush: this.#options.flush,
      tables: this.#options.tables,
      metrics: this.#options.metrics,
      isCurrent: (member) => member === this.#consumer,
      endOf: (offset) => this.#ends.endOf(offset),
    };
  }

  /** Stops taking new batches: paused partitions, and batches already in flight are ignored (not tracked). */
  stopFetching(): void {
    this.#isDraining = true;
    if (this.#assignment.length > 0) this.#consumer?.pause(this.#assignment);
  }

  /**
   * Whether partition number `partition` of every assigned topic has nothing left behind: every event
   * delivered is acked and the last one reached the end offset its batch reported — or, without a
   * batch since the assignment, the broker says nothing is past the committed offset. A windowed
   * table's idle close waits for it (a partition starved by a backlog elsewhere, or not fetched yet
   * after a restart, is not idle).
   */
  isCaughtUp(partition: number): boolean {
    return this.#ends.isCaughtUp(partition, this.#assignment, (tp) => this.#trackers.get(id(tp))?.pending ?? 0);
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
