// The one place that builds the worker's service tree and states its order. Children start in
// this order and stop in reverse, after the worker's own drain (worker.ts onStop):
//
//   kafka client   first up, last down: every other child talks through it
//   producer       outlives the consumer and the agents, so sink, changelog and dead-letter sends flush
//   changelog reader  a private one-member group that reads changelogs (recovery, standbys, globals)
//   tables         stores, recovery, standbys; up before the consumer, down after its last commit
//   consumer       one group member; feeds the conductor; commits (with the tables' steps)
//   agents         actors per agent; restart on handler errors, crash the worker on a crash loop
//   timers         timers and start-up tasks; run once the worker is ready (tables recovered);
//                  last up, and stopped first by the worker's own stop, before the drain
//
// The web server is started by the CLI beside the worker, so it answers probes from the first
// second to the last.

import type { HandlerContext, Replies, TopicSender } from '../agents/index.js';
import { AgentRunner } from '../agents/index.js';
import type { Logger } from 'pino';
import type { Acks, Assignor, AssignedEvent, BrokerOutage, KafkaDriver } from '../kafka/index.js';
import type { Manifest } from '../manifest/index.js';
import { ConfigError } from '../errors/index.js';
import { Service, SystemClock, type Clock } from '../service/index.js';
import { PartitionedChannel, StreamSource, type Channel, type CommitParticipant, type Conductor, type TransactionalSteps } from '../streams/index.js';
import type { ChangelogReader, Flush, Tables } from '../tables/index.js';
import { Scheduler, type TimerContextParts, type TimerHandler } from '../timers/index.js';
import type { CodecBook } from './codec-book.js';
import { groupId } from './naming.js';
import type { Plan } from './plan.js';
import { dataErrorRouter } from './data-errors.js';
import { eventSenders } from './event-senders.js';
import { outboxMessage, patternWriteError, wireFaustApi, type SinkHandler } from './faust-wiring.js';
import { ProducerService } from './producer-service.js';
import type { Worker } from './worker.js';

export interface ServiceTreeInput {
  readonly worker: Worker;
  /** The root logger: each service adds its own `service` name to it. */
  readonly logger: Logger;
  readonly manifest: Manifest;
  readonly plan: Plan;
  readonly driver: KafkaDriver;
  readonly book: CodecBook;
  readonly conductor: Conductor;
  /** A new agent channel; `reads` makes it one FIFO per partition of those topics (isolated partitions). */
  readonly channel: (name: string, reads?: (topic: string) => boolean) => Channel;
  readonly replies: Replies;
  readonly clock: Clock | undefined;
  readonly assignor: Assignor;
  readonly leaderTopic: string;
  readonly reader: ChangelogReader | undefined;
  readonly tables: Tables | undefined;
  readonly onAssigned: (event: AssignedEvent) => Promise<void> | undefined;
  readonly isLeader: () => boolean;
  /** The loaded handler of every timer and every start-up task, by name. */
  readonly timerHandlers: ReadonlyMap<string, TimerHandler>;
  readonly taskHandlers: ReadonlyMap<string, TimerHandler>;
  readonly crontabHandlers: ReadonlyMap<string, TimerHandler>;
  /** Resolves once the worker is ready (assigned, tables recovered); rejects when `signal` aborts. */
  readonly whenReady: (signal: AbortSignal) => Promise<void>;
  /** Loaded function sinks by the manifest text that names them (see faust-wiring.ts); default none. */
  readonly sinkHandlers?: ReadonlyMap<string, SinkHandler>;
  /** Where the consumer and the producer report broker failures they wait out. */
  readonly outage: BrokerOutage;
  /** exactly_once: the per-partition transactions that replace the flush and offset commit. */
  readonly transactions?: TransactionalSteps;
}

export interface ServiceTree {
  readonly children: readonly { readonly service: Service; readonly why: string }[];
  readonly producer: ProducerService;
  readonly source: StreamSource;
  readonly runners: readonly AgentRunner[];
  /** Undefined when the manifest declares no timers and no tasks. */
  readonly scheduler: Scheduler | undefined;
  /** The context parts of code that runs outside an event: timers, crontabs, tasks and views. */
  readonly contextParts: TimerContextParts;
}

/** Closes the driver when the tree is down: started first, so stopped last. */
class KafkaClient extends Service {
  readonly #driver: KafkaDriver;

  constructor(driver: KafkaDriver, logger: Logger) {
    super({ name: 'kafka client', logger });
    this.#driver = driver;
  }

  protected override onStop(): Promise<void> {
    return this.#driver.close();
  }
}

const ACKS: Record<-1 | 0 | 1, Acks> = { [-1]: 'all', 0: 'none', 1: 'leader' };

export function buildServiceTree(input: ServiceTreeInput): ServiceTree {
  const { worker, manifest, plan, driver, book, conductor, replies, logger } = input;
  const settings = manifest.settings;
  const producer = new ProducerService(driver, { acks: ACKS[settings.producerAcks], compression: settings.producerCompression, lingerMs: settings.producerLingerMs }, worker.metrics, logger, input.outage);

  const topics: Record<string, TopicSender> = {};
  for (const [name, declared] of manifest.topics) {
    topics[name] = { send: declared.pattern === undefined ? (value, options) => worker.send(name, outboxMessage(value, options)) : () => Promise.reject(patternWriteError(`topics.${name}`, name)) };
  }
  const faust = wireFaustApi({ manifest, book, worker, replies, sinkHandlers: input.sinkHandlers ?? new Map() });
  const { agents } = faust;
  const channels = faust.memory.senders();
  const sendersFor = eventSenders(manifest, worker, faust);
  const runners = plan.agents.map(({ declaration, handler, repartitions, throughTopics, deadLetterTopic }) => {
    const name = declaration.name;
    book.declare(deadLetterTopic, 'raw');
    const reads = topicMatcher(declaration.topics.map((topic) => manifest.topics.get(topic)?.pattern ?? topic));
    const main = declaration.hasIsolatedPartitions ? input.channel(`agent ${name}`, reads) : input.channel(`agent ${name}`);
    faust.readChannel(declaration, main);
    for (const topic of declaration.topics) {
      const { onDecodeError = 'skip', pattern } = manifest.topics.get(topic) ?? {};
      conductor.subscribe({ topic, ...(pattern === undefined ? {} : { pattern }), channel: main, agent: name, onDecodeError, deadLetterTopic });
    }
    const repartitionChannels = new Map<string, { topic: string; channel: Channel }>();
    for (const r of repartitions) {
      book.declare(r.topic, 'repartition');
      const channel = input.channel(`agent ${name} groupBy ${r.name}`);
      conductor.subscribe({ topic: r.topic, channel, agent: name, onDecodeError: 'skip', deadLetterTopic });
      repartitionChannels.set(r.name, { topic: r.topic, channel });
    }
    const subscriptions = new Map<string, Channel>();
    for (const topic of throughTopics) {
      const channel = input.channel(`agent ${name} through ${topic}`);
      conductor.subscribe({ topic, channel, agent: name, onDecodeError: manifest.topics.get(topic)?.onDecodeError ?? 'skip', deadLetterTopic });
      subscriptions.set(topic, channel);
    }
    const sinks = faust.sinksOf(declaration);
    return new AgentRunner(name, {
      logger,
      agent: name,
      outbox: worker,
      repartitions: repartitionChannels,
      subscriptions,
      handler,
      channel: main,
      concurrency: declaration.concurrency,
      sinks,
      metrics: worker.metrics,
      topics,
      agents,
      sendersFor,
      channels,
      reply: (event, value) => faust.memory.reply(event, value) || replies.reply(event, value),
      marksOrigins: declaration.concurrency === 1,
      onDataError: dataErrorRouter({
        logger,
        agent: name,
        deadLetterTopic,
        policyOf: (topic) => (manifest.topics.get(topic) ?? manifest.topics.get(declaration.topics[0]!))?.onDecodeError ?? 'skip',
        send: (record, event) => worker.enqueue(record, event),
      }),
      isLeader: input.isLeader,
      ...(input.tables === undefined
        ? {}
        : {
            tables: (scope: Parameters<Tables['handles']>[0]) =>
              input.tables!.handles(declaration.concurrency > 1 ? { ...scope, readOnly: { onWrite: (error) => worker.halt(error) } } : scope) as HandlerContext['tables'],
          }),
      ...(input.clock === undefined ? {} : { clock: input.clock }),
    });
  });

  const partitioned = runners.flatMap((runner) => (runner.channel instanceof PartitionedChannel ? [runner.channel] : []));
  const source = new StreamSource({
    logger,
    driver,
    conductor,
    metrics: worker.metrics,
    consumer: {
      groupId: groupId(manifest),
      sessionTimeoutMs: settings.brokerSessionTimeoutMs,
      heartbeatIntervalMs: settings.brokerHeartbeatIntervalMs,
      rebalanceTimeoutMs: settings.brokerRebalanceTimeoutMs,
      maxBytesPerPartition: settings.consumerMaxFetchBytes,
      autoOffsetReset: settings.consumerAutoOffsetReset,
      isolation: 'read_committed',
      assignor: input.assignor,
    },
    extraTopics: [input.leaderTopic],
    topicPatternRefreshIntervalMs: settings.topicPatternRefreshIntervalMs,
    onAssigned: (event) => {
      // Isolated partitions: each assigned partition's actor starts now (it waits for recovery like any event).
      for (const channel of partitioned) channel.assigned(event.partitions);
      return input.onAssigned(event);
    },
    ...(input.tables === undefined ? {} : { tables: commitSteps(input.tables) }),
    ...(input.transactions === undefined ? {} : { transactions: input.transactions }),
    flush: () => producer.buffered.flush(),
    commitIntervalMs: settings.commitIntervalMs,
    commitEvery: settings.commitEvery,
    commitLivelockSoftTimeoutMs: settings.commitLivelockSoftTimeoutMs,
    onRevoked: () => {
      worker.revokeBuffered();
      for (const channel of partitioned) channel.released();
      // The revoke's commit has taken the committable writes: the partitions take no more (see Tables.revoked).
      input.tables?.revoked();
    },
    outage: input.outage,
    ...(input.clock === undefined ? {} : { clock: input.clock }),
  });

  const tables = input.tables;
  const contextParts: TimerContextParts = {
    topics,
    agents,
    channels,
    // No current event: reads go to the key's partition, writes to partitioned tables are refused.
    tables: (job) => (tables === undefined ? {} : (tables.handles({ agent: job, currentEvent: () => undefined }) as HandlerContext['tables'])),
    isLeader: input.isLeader,
  };
  const scheduler = buildScheduler(input, contextParts);

  const children = [
    { service: new KafkaClient(driver, logger), why: 'first up, last down: every other child talks through it' },
    { service: producer as Service, why: 'outlives the consumer and the agents, so sink and dead-letter sends flush' },
    ...(input.reader === undefined ? [] : [{ service: input.reader as Service, why: 'reads changelogs for recovery, standbys and global tables' }]),
    ...(input.tables === undefined ? [] : [{ service: input.tables as Service, why: 'stores and recovery: up before the consumer, closed after its last commit' }]),
    { service: source as Service, why: 'one group member: feeds the conductor, commits acked offsets' },
    ...runners.map((runner) => ({ service: runner, why: 'actors of one agent; restart on handler errors' })),
    ...(scheduler === undefined ? [] : [{ service: scheduler as Service, why: 'timers and start-up tasks: they run once the worker is ready; stopped first' }]),
  ];
  return { children, producer, source, runners, scheduler, contextParts };
}

/** The manifest's timers and tasks with their loaded handlers; a declared one without a handler fails the boot. */
function buildScheduler(input: ServiceTreeInput, context: TimerContextParts): Scheduler | undefined {
  const { manifest, worker } = input;
  if (manifest.timers.size === 0 && manifest.tasks.size === 0 && manifest.crontabs.size === 0) return undefined;
  const handlerOf = (kind: 'timer' | 'task' | 'crontab', name: string, handlers: ReadonlyMap<string, TimerHandler>): TimerHandler => {
    const handler = handlers.get(name);
    if (handler === undefined) throw new ConfigError(`${kind} ${name}: no handler was loaded for it`);
    return handler;
  };
  return new Scheduler({
    logger: input.logger,
    clock: input.clock ?? new SystemClock(),
    timers: [...manifest.timers.values()].map((t) => ({ name: t.name, intervalMs: t.intervalMs, isLeaderOnly: t.isLeaderOnly, handler: handlerOf('timer', t.name, input.timerHandlers) })),
    tasks: [...manifest.tasks.values()].map((t) => ({ name: t.name, isLeaderOnly: t.isLeaderOnly, handler: handlerOf('task', t.name, input.taskHandlers) })),
    crontabs: [...manifest.crontabs.values()].map((c) => ({
      name: c.name,
      cron: c.cron,
      timezone: c.timezone,
      isLeaderOnly: c.isLeaderOnly,
      handler: handlerOf('crontab', c.name, input.crontabHandlers),
    })),
    context,
    whenReady: input.whenReady,
    onError: (name) => worker.metrics.timerError(name),
  });
}

/** Whether a topic is one of `topics`: a name, or a pattern it matches. */
function topicMatcher(topics: readonly (string | RegExp)[]): (topic: string) => boolean {
  return (topic) => topics.some((t) => (typeof t === 'string' ? t === topic : t.test(topic)));
}

/** The tables' steps in the consumer's commit (see StreamSource.commit). */
function commitSteps(tables: Tables): CommitParticipant {
  return {
    take: () => tables.takeFlushes(),
    send: (taken) => tables.sendFlushes(taken as Flush[]),
    write: (taken) => tables.writeFlushes(taken as Flush[]),
    drop: (taken) => tables.dropFlushes(taken as Flush[]),
  };
}
