// The worker root: owns the Kafka driver, the codec book and the channels, builds the service tree
// (service-tree.ts states its order), and drains on stop: stop fetching, let the actors finish
// what is buffered, commit, and only then stop the children.

import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { Replies, probeAgent, type AnyAgent, type Outbox, type OutboxMessage } from '../agents/index.js';
import { StreamdAssignor, decodeClusterAssignment, isStarved, type ClusterAssignment } from '../assignor/index.js';
import {
  BrokerOutage,
  connectionOptions,
  createDriver,
  type ProducerRecord,
  type AssignedEvent,
  type AssignmentInput,
  type Assignor,
  type KafkaDriver,
  type RecordMetadata,
  type TopicPartition,
} from '../kafka/index.js';
import type { Manifest, TableHookName } from '../manifest/index.js';
import { WorkerMetrics } from '../metrics/index.js';
import type { CustomCodecs } from '../models/index.js';
import { Service, SystemClock, type Clock } from '../service/index.js';
import { Channel, Conductor, PartitionedChannel, type Event, type SendSource } from '../streams/index.js';
import type { Tables } from '../tables/index.js';
import type { JobKind, TimerHandler } from '../timers/index.js';
import type { View } from '../web/index.js';
import { CodecBook } from './codec-book.js';
import { describeTopology } from './describe-topology.js';
import { ExactlyOnce } from './eos/index.js';
import { ingestRecords, toHeaders } from './ingest-records.js';
import { MemberRecord } from './member-record.js';
import { groupId, leaderTopic, replyTopic, stateDir } from './naming.js';
import { makePlan, type Plan } from './plan.js';
import type { ProducerService } from './producer-service.js';
import { buildServiceTree, type ServiceTree } from './service-tree.js';
import { createTables } from './tables-setup.js';
import { WindowCloseHandlers, type WindowCloseHandler } from './window-close-handlers.js';
import { TableHookRunner, type TableHookHandlers } from './table-hook-runner.js';
import { describePartitions, ensureTopics } from './topics.js';
import { createTableQueries } from './table-queries.js';
import type { IngestMessage, Readiness, TableQueries, Topology, WorkerHandle } from './types.js';
import { ViewRuntime } from './view-runtime.js';
import type { SinkHandler } from './faust-wiring.js';
import { placement } from './placement.js';

export interface WorkerOptions {
  readonly logger: Logger;
  /** The loaded handler of every agent, by agent name. */
  readonly handlers: ReadonlyMap<string, AnyAgent>;
  /** Default: a driver for `manifest.broker`. */
  readonly driver?: KafkaDriver;
  readonly metrics?: WorkerMetrics;
  readonly clock?: Clock;
  /** The loaded handler of every timer, by timer name. */
  readonly timers?: ReadonlyMap<string, TimerHandler>;
  /** The loaded handler of every start-up task, by task name. */
  readonly tasks?: ReadonlyMap<string, TimerHandler>;
  /** The loaded handler of every crontab, by crontab name. */
  readonly crontabs?: ReadonlyMap<string, TimerHandler>;
  /** The loaded handler of every view, by `viewName` (`<METHOD> <path>`). */
  readonly views?: ReadonlyMap<string, View>;
  /** Function sinks (`sinks: ['./file.ts#export']`) by the text that names them; default none. */
  readonly sinks?: ReadonlyMap<string, SinkHandler>;
  /** The loaded onWindowClose handler of every windowed table that has one, by table name. */
  readonly windowClose?: ReadonlyMap<string, WindowCloseHandler>;
  /** The manifest's custom codecs (`codecs:`), loaded, by name; needed when a topic's chain names one. */
  readonly codecs?: CustomCodecs;
  /** The loaded table hooks (onKeySet, onKeyDel, onChangelogEvent), by hook, then table name. */
  readonly tableHooks?: TableHookHandlers;
}

/** How often the timers poll for readiness before their first run. */
const READY_POLL_MS = 50;

export class Worker extends Service implements WorkerHandle, Outbox {
  readonly manifest: Manifest;
  readonly metrics: WorkerMetrics;
  /** The manifest's views and their current handlers, served by the web app. */
  readonly views: ViewRuntime;
  readonly #driver: KafkaDriver;
  readonly #plan: Plan;
  readonly #book: CodecBook;
  readonly #conductor: Conductor;
  readonly #windowClose: WindowCloseHandlers;
  readonly #tableHooks: TableHookRunner;
  readonly #channels: Channel[] = [];
  readonly #tree: ServiceTree;
  readonly #replies: Replies;
  readonly #tables: Tables | undefined;
  readonly #leaderTopic: string;
  /** Broker failures being waited out: /ready says so, and past brokerUnavailableTimeoutMs the worker exits. */
  readonly #outage: BrokerOutage;
  /** Under processingGuarantee exactly_once: per-partition transactions (src/worker/eos). */
  readonly #eos: ExactlyOnce | undefined;
  #assignor: StreamdAssignor | undefined;
  /** The latest generation's cluster assignment (tables only): who owns which table partition. */
  #cluster: ClusterAssignment | undefined;
  #tableQueries: TableQueries | undefined;
  #previousActives: readonly TopicPartition[] = [];
  #isLeader = false;
  #rejoins = 0;
  /** Assignments seen so far: tells a superseded assignment's steps (fencing, tables, offsets) not to run. */
  #assignments = 0;
  #isHalting = false;
  /** Undefined on the embedded broker: its groups die with the process, leaving no member behind. */
  readonly #member: MemberRecord | undefined;
  /** Partition counts of every topic of the topology, described once the topics exist (for /topology). */
  #partitionCounts: ReadonlyMap<string, number> = new Map();

  constructor(manifest: Manifest, plan: Plan, options: WorkerOptions) {
    super({ name: `worker ${manifest.id}`, logger: options.logger });
    this.manifest = manifest;
    this.metrics = options.metrics ?? new WorkerMetrics();
    this.#plan = plan;
    this.#driver = options.driver ?? createDriver(manifest.broker, { clientId: manifest.settings.brokerClientId, requestTimeoutMs: manifest.settings.brokerRequestTimeoutMs, logger: options.logger, ...connectionOptions(manifest.settings) });
    this.#book = new CodecBook(manifest, options.codecs);
    this.#outage = new BrokerOutage({ timeoutMs: manifest.settings.brokerUnavailableTimeoutMs, clock: options.clock ?? new SystemClock(), logger: options.logger });
    this.#replies = new Replies({ driver: this.#driver, outbox: this, log: this.log, replyTopic: replyTopic(plan.prefix, randomUUID().slice(0, 8)) });
    this.#conductor = new Conductor(
      {
        log: options.logger.child({ component: 'conductor' }),
        decoderFor: (topic) => this.#book.decoderFor(topic),
        send: (record, source) => this.#enqueue(record, source),
        pause: (partition) => this.#tree.source.pause(partition),
        resume: (partition) => this.#tree.source.resume(partition),
        halt: (error) => this.#halt(error),
        countDecodeError: (topic, agent, policy) => this.metrics.decodeError(topic, agent, policy),
      },
      manifest.settings.streamBufferMaxsize,
    );
    this.#leaderTopic = leaderTopic(plan.prefix);
    this.#member = this.#driver.capabilities.networked ? new MemberRecord(stateDir(manifest), groupId(manifest), this.log) : undefined;
    this.#windowClose = new WindowCloseHandlers({
      handlers: options.windowClose ?? new Map(),
      log: this.log,
      parts: () => this.#tree.contextParts,
      signal: () => this.signal,
      onError: (table) => this.metrics.timerError(`onWindowClose ${table}`),
    });
    this.#tableHooks = new TableHookRunner({
      handlers: options.tableHooks ?? {},
      log: this.log,
      parts: () => this.#tree.contextParts,
      signal: () => this.signal,
      onError: (table, hook) => this.metrics.tableHookError(table, hook),
    });
    const setup = createTables({
      manifest,
      prefix: plan.prefix,
      driver: this.#driver,
      logger: options.logger,
      metrics: this.metrics,
      models: this.#book.models,
      producer: () => this.#producer.direct,
      clock: options.clock,
      outage: this.#outage,
      send: (record) => this.#producer.buffered.send(record),
      onWindowClose: (table, closed) => this.#windowClose.run(table, closed),
      hooks: this.#tableHooks,
      isCaughtUp: (partition) => this.#tree.source.isCaughtUp(partition),
    });
    this.#tables = setup?.tables;
    const reader = setup?.reader;
    this.#eos =
      manifest.processingGuarantee === 'exactly_once'
        ? new ExactlyOnce({
            prefix: plan.prefix,
            driver: this.#driver,
            tables: this.#tables,
            groupId: groupId(manifest),
            logger: options.logger,
            metrics: this.metrics,
            rejoin: (reason) => void this.#tree.source.rejoin(reason),
          })
        : undefined;
    const assignor: Assignor = {
      name: 'streamd',
      version: 1,
      subscriptionUserData: () => this.#requireAssignor().subscriptionUserData(),
      assign: (input: AssignmentInput) => this.#requireAssignor().assign(input),
    };
    this.#tree = buildServiceTree({
      worker: this,
      logger: options.logger,
      manifest,
      plan,
      driver: this.#driver,
      book: this.#book,
      conductor: this.#conductor,
      channel: (name, reads) => this.#channel(name, reads),
      replies: this.#replies,
      clock: options.clock,
      assignor,
      leaderTopic: this.#leaderTopic,
      reader,
      tables: this.#tables,
      onAssigned: (event) => this.#onAssigned(event),
      isLeader: () => this.#isLeader,
      timerHandlers: options.timers ?? new Map(),
      taskHandlers: options.tasks ?? new Map(),
      crontabHandlers: options.crontabs ?? new Map(),
      ...(options.sinks === undefined ? {} : { sinkHandlers: options.sinks }),
      outage: this.#outage,
      whenReady: async (signal) => {
        const clock = options.clock ?? new SystemClock();
        while (!this.isReady()) await clock.sleep(READY_POLL_MS, signal);
      },
      ...(this.#eos === undefined ? {} : { transactions: this.#eos.transactions }),
    });
    for (const child of this.#tree.children) this.addChild(child.service, child.why);
    this.views = new ViewRuntime(manifest.views, options.views ?? new Map(), () => this.#tree.contextParts, this.metrics);
  }

  get #producer(): ProducerService {
    return this.#tree.producer;
  }

  /** An agent's channel; with `reads` (isolated partitions), one FIFO per partition of those topics. */
  #channel(name: string, reads?: (topic: string) => boolean): Channel {
    const hooks = { onTake: (event: Event) => this.#conductor.taken(event) };
    const channel = reads === undefined ? new Channel(name, hooks) : new PartitionedChannel(name, reads, hooks);
    this.#channels.push(channel);
    return channel;
  }

  /** Drops every buffered event: after a revoke the consumer refetches from the committed offsets. */
  revokeBuffered(): void {
    for (const channel of this.#channels) channel.drop(() => true);
    this.#conductor.reset();
  }

  #requireAssignor(): StreamdAssignor {
    if (this.#assignor === undefined) throw new Error('the assignor is built when the worker starts');
    return this.#assignor;
  }

  /** How other workers reach this one: web.canonicalUrl, else this host's name and the web port. */
  get url(): string {
    const { canonicalUrl, host, port } = this.manifest.web;
    if (canonicalUrl !== undefined && canonicalUrl !== '') return canonicalUrl;
    return `http://${host === '0.0.0.0' || host === '::' ? hostname() : host}:${port}`;
  }

  protected override async onStart(): Promise<void> {
    this.log.info({ broker: this.manifest.broker, group: groupId(this.manifest), agents: this.#plan.agents.length, tables: this.manifest.tables.size }, 'starting worker');
    // A broker that is restarting (or a coordinator still loading) is waited for, as at run time.
    await this.#outage.retrying('topic setup', this.signal, () => this.#setUpTopics());
  }

  /** Creates or checks every topic of the app, reads partition counts, builds the assignor. Repeatable. */
  async #setUpTopics(): Promise<void> {
    const leader = { topic: this.#leaderTopic, partitions: 1, replicationFactor: this.manifest.settings.topicReplicationFactor };
    await Promise.all([ensureTopics(this.#driver, this.manifest, this.#plan, this.log, [leader]), this.#member?.removeLeftover(this.#driver)]);
    const subscribed = this.#conductor.topics();
    const counts = await describePartitions(this.#driver, subscribed);
    const tables = this.#tables;
    if (tables !== undefined) {
      const changelogs = tables.resolve(counts, subscribed);
      const existing = await describePartitions(this.#driver, changelogs.map((c) => c.topic), { missingOk: true });
      tables.checkChangelogs(existing);
      await ensureTopics(this.#driver, this.manifest, this.#plan, this.log, changelogs);
      for (const changelog of changelogs) counts.set(changelog.topic, changelog.partitions); // checked or created with this count
    }
    // For /topology: the topics not described above (sinks, dead letters, the leader topic).
    const rest = this.topology().topics.flatMap((t) => ('pattern' in t || counts.has(t.name) ? [] : [t.name]));
    this.#partitionCounts = new Map([...counts, ...(await describePartitions(this.#driver, rest, { missingOk: true }))]);
    const groups = tables?.copartitionGroups(subscribed) ?? [];
    this.#eos?.useGroups(groups, subscribed, counts);
    this.#assignor = new StreamdAssignor({
      url: this.url,
      standbyReplicas: this.manifest.settings.standbyReplicas,
      copartitionGroups: groups,
      localState: () => tables?.localState() ?? [],
      previousActives: () => this.#previousActives,
    });
  }

  /** On each assignment: who leads, and (with tables) recovery before the partitions resume. */
  #onAssigned(event: AssignedEvent): Promise<void> | undefined {
    this.#member?.remember(event.memberId);
    const isLeader = event.partitions.some((tp) => tp.topic === this.#leaderTopic);
    if (isLeader !== this.#isLeader) this.log.info({ memberId: event.memberId }, isLeader ? 'this worker is now the leader' : 'this worker is no longer the leader');
    this.#isLeader = isLeader;
    this.metrics.leader(isLeader);
    this.#previousActives = event.partitions;
    if (event.partitions.every((tp) => tp.topic === this.#leaderTopic)) this.#checkStarved(event);
    const tables = this.#tables;
    const eos = this.#eos;
    if (tables === undefined && eos === undefined) return undefined;
    const inputs = event.partitions.filter((tp) => tp.topic !== this.#leaderTopic);
    // A newer assignment supersedes this one: its steps must not run after the newer one's (a late
    // tables.assigned, after #clusterAssignment's retries, would take the newer assignment's table
    // partitions away while it processes: handler errors, acked events, lost counts).
    const assignment = ++this.#assignments;
    const isSuperseded = (): boolean => assignment !== this.#assignments;
    const skipping = (): void => this.log.debug({ memberId: event.memberId }, 'a newer assignment arrived while this one was read; skipping its steps');
    return (async () => {
      if (eos !== undefined) {
        await this.#tree.source.whenCommitted();
        if (isSuperseded()) return skipping();
        await eos.fence(inputs);
      }
      if (tables !== undefined) {
        const cluster = await this.#clusterAssignment(event);
        if (isSuperseded()) return skipping();
        this.#cluster = cluster;
        this.#previousActives = [...event.partitions, ...cluster.actives.filter((tp) => !event.partitions.some((p) => p.topic === tp.topic && p.partition === tp.partition))];
        await tables.assigned(cluster, () => this.#tree.source.whenCommitted());
      }
      if (eos !== undefined && !isSuperseded()) await this.#tree.source.skipCommitted(inputs);
    })();
  }

  /** Rejoins (at most 3 times in a row) when the group left this worker idle beside busy members. */
  #checkStarved(event: AssignedEvent): void {
    const source = this.#tree.source;
    void source
      .groupAssignment()
      .then((group) => {
        if (!isStarved(group, event.memberId, [this.#leaderTopic])) {
          this.#rejoins = 0;
          return;
        }
        if (this.#rejoins >= 3) {
          this.log.warn({ memberId: event.memberId }, 'this worker has no partitions while others hold several, after 3 rejoins; staying idle until the next rebalance');
          return;
        }
        this.#rejoins += 1;
        return source.rejoin('the group assigned this worker nothing while other workers hold several partitions (kafkajs#1361)');
      })
      .catch((err: unknown) => this.log.debug({ err }, 'could not check the assignment for an idle member'));
  }

  /**
   * This member's part of the cluster assignment, from the group's description. When the group
   * cannot describe this member (it is rebalancing again), the table partitions are derived from
   * the member's own partitions (co-partitioning), without standbys, so processing never waits on
   * a description that may not come.
   */
  async #clusterAssignment(event: AssignedEvent): Promise<ClusterAssignment> {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const group = await this.#tree.source.groupAssignment();
        const me = group.members.find((m) => m.memberId === event.memberId);
        if (me !== undefined) return decodeClusterAssignment(me.assignmentUserData);
      } catch (err) {
        this.log.debug({ err }, 'could not describe the group');
      }
      await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt).unref());
    }
    this.log.warn({ memberId: event.memberId }, 'the group does not describe this worker (it is rebalancing): taking the table partitions of its own partitions, without standbys');
    const actives = this.#tables?.changelogPartitionsOf(event.partitions) ?? [];
    return { memberId: event.memberId, actives, standbys: [], members: [], copartitionGroups: [] };
  }


  /**
   * The drain (ARCHITECTURE.md §2): stop fetching, drop the events no actor has taken yet and close
   * every channel, so actors finish only the events in hand; wait for them (up to
   * shutdownTimeoutMs), commit. The dropped events were not processed, so they are not committed
   * and the next start processes them, once: a stop under load waits for a few events, not for a
   * full buffer per partition. Children stop after this, in reverse: consumer, agents, producer
   * (flush), driver.
   */
  protected override async onStop(): Promise<void> {
    const { source, runners, scheduler } = this.#tree;
    // Timers first: their handlers' signal aborts at once, and what they sent is flushed by the commit.
    await scheduler?.stop();
    // No window closes from here on: a drain starves the partitions of events, which would read as
    // idleness, and a close after the last commit would be made again by the next start.
    await this.#tables?.stopClosing();
    source.stopFetching();
    let dropped = 0;
    for (const channel of this.#channels) {
      dropped += channel.drop(() => true).length;
      channel.close();
    }
    this.#conductor.reset();
    const started = Date.now();
    if (!this.#isHalting) {
      const timeoutMs = this.manifest.settings.shutdownTimeoutMs;
      const pending = source.pendingCount - dropped;
      const drained = await Promise.race([
        Promise.all(runners.map((r) => r.whenDrained())).then(() => true),
        new Promise<false>((resolve) => setTimeout(resolve, timeoutMs, false).unref()),
      ]);
      if (!drained) this.log.warn({ timeoutMs, pending: source.pendingCount }, 'shutdown timeout: stopping with events still in flight; they will be processed again');
      else this.log.info({ events: pending, dropped, ms: Date.now() - started }, 'drained: the events in hand are processed; the buffered ones are left for the next start');
    }
    // Hook calls for writes this commit carries run before it (bounded like the drain).
    await this.#tableHooks.drain(this.manifest.settings.shutdownTimeoutMs);
    try {
      await source.commit('shutdown');
      this.log.info({ ms: Date.now() - started }, 'committed what was processed');
    } finally {
      await this.#eos?.close();
      await this.#replies.close();
    }
  }

  /** Stops the worker non-zero at once: a failure that processing must not go on past. */
  halt(error: Error): void {
    this.#halt(error);
  }

  #halt(error: Error): void {
    this.#isHalting = true;
    this.crash(error);
  }

  /**
   * Swaps in reloaded handlers: each changed agent's actors finish the event in hand and go on
   * with the new code. A handler whose groupBy/through topology differs is refused: the consumer's
   * subscription is fixed for the life of the worker, so that change needs a restart.
   */
  async reloadHandlers(handlers: ReadonlyMap<string, AnyAgent>): Promise<void> {
    for (const [name, handler] of handlers) {
      const planned = this.#plan.agents.find((a) => a.declaration.name === name);
      const runner = this.#tree.runners.find((r) => r.name === `agent ${name}`);
      if (planned === undefined || runner === undefined || planned.handler() === handler) continue;
      const probed = await probeAgent(handler);
      const before = planned.repartitions.map((r) => r.name).join(',') + '|' + planned.throughTopics.join(',');
      const after = probed.groupBys.map((g) => g.name).join(',') + '|' + probed.throughTopics.join(',');
      if (before !== after) {
        this.log.error({ agent: name, before, after }, 'reload refused: the handler changes its groupBy/through topics; restart the worker to apply it');
        continue;
      }
      planned.replace(handler);
      runner.restartRuns();
      this.log.info({ agent: name }, 'handler reloaded');
    }
  }

  /**
   * Swaps reloaded timer, task, crontab or view handlers, by name: a run or request in progress
   * finishes with the old code, the next firing or request uses the new.
   */
  reloadHandlersOf(kind: JobKind | 'view' | 'windowClose' | TableHookName, handlers: ReadonlyMap<string, unknown>): void {
    for (const [name, handler] of handlers) {
      const isSwapped =
        kind === 'view' ? this.views.replace(name, handler as View)
        : kind === 'windowClose' ? this.#windowClose.replace(name, handler as WindowCloseHandler)
        : kind === 'onKeySet' || kind === 'onKeyDel' || kind === 'onChangelogEvent' ? this.#tableHooks.replace(kind, name, handler)
        : this.#tree.scheduler?.replaceHandler(kind, name, handler as TimerHandler) === true;
      if (isSwapped) this.log.info({ [kind]: name }, 'handler reloaded');
    }
  }

  isReady(): boolean {
    return this.readiness().phase === 'ready';
  }

  readiness(): Readiness {
    const recovering = this.#tables?.recoveryProgress() ?? [];
    if (this.state === 'idle' || this.state === 'starting') return { phase: 'starting', recovering };
    if (this.state !== 'running') return { phase: 'stopping', recovering };
    const outage = this.#outage.current;
    if (outage !== undefined) return { phase: 'broker-unavailable', recovering, broker: { ...outage, timeoutMs: this.#outage.timeoutMs } };
    if (!this.#tree.source.isAssigned) return { phase: 'joining', recovering };
    return { phase: this.#tree.source.isGated ? 'recovering' : 'ready', recovering };
  }

  /** The worker's tables (undefined when the manifest declares none): for the web layer and tests. */
  get tables(): Tables | undefined {
    return this.#tables;
  }

  /** Table reads for the web API; owners come from the latest cluster assignment. */
  get tableQueries(): TableQueries {
    this.#tableQueries ??= createTableQueries({ tables: this.#tables, cluster: () => this.#cluster, url: this.url });
    return this.#tableQueries;
  }

  /** True while this worker owns the leader topic's partition. */
  get isLeader(): boolean {
    return this.#isLeader;
  }

  send(topic: string, message: OutboxMessage): Promise<void> {
    try {
      return this.trySend(topic, message) ?? Promise.resolve();
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /**
   * Encodes and enqueues a record (Outbox.trySend): undefined once it is enqueued with room to
   * spare, a promise when it waits (the topic's size limit read the first time, room in the
   * producer). Throws when the record cannot be made (encoding, placement, its size).
   */
  trySend(topic: string, message: OutboxMessage): Promise<void> | undefined {
    const codecs = this.#book.codecs(topic);
    const key = message.key !== undefined ? codecs.key.encode(message.key) : (message.rawKey ?? null);
    const value = Buffer.isBuffer(message.value) && !this.#book.has(topic) ? message.value : codecs.value.encode(message.value);
    const headers = toHeaders(message.headers, message.key === undefined ? undefined : this.#book.keyHeaders(topic, message.key));
    const made = headers === undefined ? { topic, key, value } : { topic, key, value, headers };
    const record: ProducerRecord = message.partition === undefined && message.timestamp === undefined ? made : { ...made, ...placement(topic, message, this.#partitionCounts) };
    const checking = this.#producer.limits.check(record);
    if (checking !== undefined) return checking.then(() => this.#enqueueSend(record, message.event) ?? undefined);
    return this.#enqueueSend(record, message.event);
  }

  /** A handler's record, checked: into its event's transaction under exactly_once, else the buffered producer. */
  #enqueueSend(record: ProducerRecord, event: Event | undefined): Promise<void> | undefined {
    if (this.#eos !== undefined && event !== undefined) {
      this.#eos.enqueueFor(record, event);
      return undefined;
    }
    this.#producer.buffered.send(record);
    return this.#producer.buffered.whenRoom();
  }

  /** Sends a record made by processing `event`: in its partition generation's transaction under exactly_once. */
  enqueue(record: ProducerRecord, event: Event): void {
    if (this.#eos === undefined) this.#producer.buffered.send(record);
    else this.#eos.enqueueFor(record, event);
  }

  #enqueue(record: ProducerRecord, source: SendSource | undefined): void {
    if (this.#eos === undefined) this.#producer.buffered.send(record);
    else this.#eos.enqueue(record, source);
  }

  async ingest(topic: string, messages: readonly IngestMessage[]): Promise<RecordMetadata[]> {
    const { target, records } = ingestRecords({ manifest: this.manifest, book: this.#book, partitionsOf: this.#partitionCounts }, topic, messages);
    // A record over the topic's limit is refused before any of the request is sent (STREAMD_RECORD_TOO_LARGE).
    for (const record of records) await this.#producer.limits.check(record);
    const sent = await this.#producer.direct.send(records);
    this.metrics.messagesOut(target, sent.length);
    return sent;
  }

  /** The physical plan; partition counts are known once the worker has started. */
  topology(): Topology {
    return describeTopology({ manifest: this.manifest, plan: this.#plan, leaderTopic: this.#leaderTopic, partitionsOf: this.#partitionCounts });
  }
}

/** Plans the app (probing every handler) and builds its worker; nothing starts until `start()`. */
export async function createWorker(manifest: Manifest, options: WorkerOptions): Promise<Worker> {
  const plan = await makePlan(manifest, options.handlers);
  return new Worker(manifest, plan, options);
}
