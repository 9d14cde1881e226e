// The worker root: owns the Kafka driver, the codec book and the channels, builds the service tree
// (service-tree.ts states its order), and drains on stop: stop fetching, let the actors finish
// what is buffered, commit, and only then stop the children.

import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { Replies, type AnyAgent, type Outbox, type OutboxMessage } from '../agents/index.js';
import { StreamdAssignor } from '../assignor/index.js';
import {
  BrokerOutage,
  connectionOptions,
  createDriver,
  type ProducerRecord,
  type AssignmentInput,
  type Assignor,
  type KafkaDriver,
  type RecordMetadata,
} from '../kafka/index.js';
import type { Manifest, TableHookName } from '../manifest/index.js';
import { WorkerMetrics } from '../metrics/index.js';
import type { CustomCodecs } from '../models/index.js';
import { Service, SystemClock, type Clock } from '../service/index.js';
import { Channel, Conductor, PartitionedChannel, type Event } from '../streams/index.js';
import type { Tables } from '../tables/index.js';
import type { JobKind, TimerHandler } from '../timers/index.js';
import type { View } from '../web/index.js';
import { reloadAgents } from './agent-reload.js';
import { AssignmentSteps } from './assignment-steps.js';
import { CodecBook } from './codec-book.js';
import { describeTopology } from './describe-topology.js';
import { ExactlyOnce } from './eos/index.js';
import { MemberRecord } from './member-record.js';
import { groupId, leaderTopic, replyTopic, stateDir } from './naming.js';
import { makePlan, type Plan } from './plan.js';
import type { ProducerService } from './producer-service.js';
import { buildServiceTree, type ServiceTree } from './service-tree.js';
import { createTables } from './tables-setup.js';
import { WindowCloseHandlers, type WindowCloseHandler } from './window-close-handlers.js';
import { TableHookRunner, type TableHookHandlers } from './table-hook-runner.js';
import { setUpTopics } from './topics.js';
import { createTableQueries } from './table-queries.js';
import type { IngestMessage, Readiness, TableQueries, Topology, WorkerHandle } from './types.js';
import { RecordSends } from './record-sends.js';
import { ViewRuntime } from './view-runtime.js';
import type { SinkHandler } from './faust-wiring.js';

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
  readonly #assigned: AssignmentSteps;
  readonly #sends: RecordSends;
  #tableQueries: TableQueries | undefined;
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
        send: (record, source) => this.#sends.enqueueFrom(record, source),
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
    this.#sends = new RecordSends({
      manifest,
      metrics: this.metrics,
      book: this.#book,
      eos: this.#eos,
      producer: () => this.#producer,
      partitionCounts: () => this.#partitionCounts,
    });
    this.#assigned = new AssignmentSteps({
      log: this.log,
      metrics: this.metrics,
      leaderTopic: this.#leaderTopic,
      tables: this.#tables,
      eos: this.#eos,
      member: this.#member,
      source: () => this.#tree.source,
    });
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
      onAssigned: (event) => this.#assigned.onAssigned(event),
      isLeader: () => this.#assigned.isLeader,
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
    const tables = this.#tables;
    const { partitionCounts, counts, subscribed } = await setUpTopics({
      driver: this.#driver,
      manifest: this.manifest,
      plan: this.#plan,
      log: this.log,
      leaderTopic: this.#leaderTopic,
      subscribed: this.#conductor.topics(),
      tables,
      topologyTopics: (known) => describeTopology({ manifest: this.manifest, plan: this.#plan, leaderTopic: this.#leaderTopic, partitionsOf: known }).topics.flatMap((t) => ('pattern' in t ? [] : [t.name])),
      removeLeftover: async () => this.#member?.removeLeftover(this.#driver),
    });
    this.#partitionCounts = partitionCounts;
    const groups = tables?.copartitionGroups(subscribed) ?? [];
    this.#eos?.useGroups(groups, subscribed, counts);
    this.#assignor = new StreamdAssignor({
      url: this.url,
      standbyReplicas: this.manifest.settings.standbyReplicas,
      copartitionGroups: groups,
      localState: () => tables?.localState() ?? [],
      previousActives: () => this.#assigned.previousActives,
    });
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

  /** Swaps in reloaded agent handlers (agent-reload.ts). */
  async reloadHandlers(handlers: ReadonlyMap<string, AnyAgent>): Promise<void> {
    await reloadAgents(this.#plan, this.#tree.runners, handlers, this.log);
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
    this.#tableQueries ??= createTableQueries({ tables: this.#tables, cluster: () => this.#assigned.cluster, url: this.url });
    return this.#tableQueries;
  }

  /** True while this worker owns the leader topic's partition. */
  get isLeader(): boolean {
    return this.#assigned.isLeader;
  }

  send(topic: string, message: OutboxMessage): Promise<void> {
    return this.#sends.send(topic, message);
  }

  trySend(topic: string, message: OutboxMessage): Promise<void> | undefined {
    return this.#sends.trySend(topic, message);
  }

  /** Sends a record made by processing `event`: in its partition generation's transaction under exactly_once. */
  enqueue(record: ProducerRecord, event: Event): void {
    this.#sends.enqueue(record, event);
  }

  ingest(topic: string, messages: readonly IngestMessage[]): Promise<RecordMetadata[]> {
    return this.#sends.ingest(topic, messages);
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
