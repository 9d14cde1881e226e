// The worker root: owns the Kafka driver, the codec book and the channels, builds the service tree
// (service-tree.ts states its order), and drains on stop: stop fetching, let the actors finish
// what is buffered, commit, and only then stop the children.

import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { Replies, probeAgent, type AnyAgent, type Outbox, type OutboxMessage } from '../agents/index.js';
import { KafkaError } from '../errors/index.js';
import { createDriver, type Headers, type KafkaDriver, type ProducerRecord, type RecordMetadata } from '../kafka/index.js';
import type { Manifest } from '../manifest/index.js';
import { WorkerMetrics } from '../metrics/index.js';
import { Service, type Clock } from '../service/index.js';
import { Channel, Conductor } from '../streams/index.js';
import { CodecBook } from './codec-book.js';
import { groupId, replyTopic } from './naming.js';
import { makePlan, type Plan } from './plan.js';
import type { ProducerService } from './producer-service.js';
import { buildServiceTree, type ServiceTree } from './service-tree.js';
import { ensureTopics } from './topics.js';
import type { IngestMessage, Topology, WorkerHandle } from './types.js';

export interface WorkerOptions {
  readonly logger: Logger;
  /** The loaded handler of every agent, by agent name. */
  readonly handlers: ReadonlyMap<string, AnyAgent>;
  /** Default: a driver for `manifest.broker`. */
  readonly driver?: KafkaDriver;
  readonly metrics?: WorkerMetrics;
  readonly clock?: Clock;
}

function toHeaders(headers: Readonly<Record<string, string | Buffer>> | undefined): Headers | undefined {
  if (headers === undefined) return undefined;
  const out: Record<string, Buffer> = {};
  for (const [name, value] of Object.entries(headers)) out[name] = typeof value === 'string' ? Buffer.from(value) : value;
  return out;
}

export class Worker extends Service implements WorkerHandle, Outbox {
  readonly manifest: Manifest;
  readonly metrics: WorkerMetrics;
  readonly #driver: KafkaDriver;
  readonly #plan: Plan;
  readonly #book: CodecBook;
  readonly #conductor: Conductor;
  readonly #channels: Channel[] = [];
  readonly #tree: ServiceTree;
  readonly #replies: Replies;
  #isHalting = false;

  constructor(manifest: Manifest, plan: Plan, options: WorkerOptions) {
    super({ name: `worker ${manifest.id}`, logger: options.logger });
    this.manifest = manifest;
    this.metrics = options.metrics ?? new WorkerMetrics();
    this.#plan = plan;
    this.#driver = options.driver ?? createDriver(manifest.broker, { clientId: manifest.settings.brokerClientId, logger: options.logger });
    this.#book = new CodecBook(manifest);
    this.#replies = new Replies({ driver: this.#driver, outbox: this, log: this.log, replyTopic: replyTopic(plan.prefix, randomUUID().slice(0, 8)) });
    this.#conductor = new Conductor(
      {
        log: options.logger.child({ component: 'conductor' }),
        decoderFor: (topic) => this.#book.decoderFor(topic),
        send: (record) => this.#producer.buffered.send(record),
        pause: (partition) => this.#tree.source.pause(partition),
        resume: (partition) => this.#tree.source.resume(partition),
        halt: (error) => this.#halt(error),
        countDecodeError: (topic, agent, policy) => this.metrics.decodeError(topic, agent, policy),
      },
      manifest.settings.streamBufferMaxsize,
    );
    this.#tree = buildServiceTree({
      worker: this,
      logger: options.logger,
      manifest,
      plan,
      driver: this.#driver,
      book: this.#book,
      conductor: this.#conductor,
      channel: (name) => this.#channel(name),
      replies: this.#replies,
      clock: options.clock,
    });
    for (const child of this.#tree.children) this.addChild(child.service, child.why);
  }

  get #producer(): ProducerService {
    return this.#tree.producer;
  }

  #channel(name: string): Channel {
    const channel = new Channel(name, { onTake: (event) => this.#conductor.taken(event) });
    this.#channels.push(channel);
    return channel;
  }

  /** Drops every buffered event: after a revoke the consumer refetches from the committed offsets. */
  revokeBuffered(): void {
    for (const channel of this.#channels) channel.drop(() => true);
    this.#conductor.reset();
  }

  protected override async onStart(): Promise<void> {
    this.log.info({ broker: this.manifest.broker, group: groupId(this.manifest), agents: this.#plan.agents.length }, 'starting worker');
    await ensureTopics(this.#driver, this.manifest, this.#plan, this.log);
  }

  /**
   * The drain (ARCHITECTURE §2): stop fetching, close every channel so actors finish what is
   * buffered, wait for them (up to shutdownTimeoutMs), commit. Children stop after this, in
   * reverse: consumer, agents, producer (flush), driver.
   */
  protected override async onStop(): Promise<void> {
    const { source, runners } = this.#tree;
    source.stopFetching();
    for (const channel of this.#channels) channel.close();
    if (!this.#isHalting) {
      const timeoutMs = this.manifest.settings.shutdownTimeoutMs;
      const drained = await Promise.race([
        Promise.all(runners.map((r) => r.whenDrained())).then(() => true),
        new Promise<false>((resolve) => setTimeout(resolve, timeoutMs, false).unref()),
      ]);
      if (!drained) this.log.warn({ timeoutMs, pending: source.pendingCount }, 'shutdown timeout: stopping with events still in flight; they will be processed again');
    }
    try {
      await source.commit('shutdown');
    } finally {
      await this.#replies.close();
    }
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

  isReady(): boolean {
    return this.state === 'running' && this.#tree.source.isAssigned;
  }

  async send(topic: string, message: OutboxMessage): Promise<void> {
    const codecs = this.#book.codecs(topic);
    const key = message.key !== undefined ? codecs.key.encode(message.key) : (message.rawKey ?? null);
    const value = Buffer.isBuffer(message.value) && !this.#book.has(topic) ? message.value : codecs.value.encode(message.value);
    const headers = toHeaders(message.headers);
    const buffered = this.#producer.buffered;
    buffered.send(headers === undefined ? { topic, key, value } : { topic, key, value, headers });
    await buffered.ready();
  }

  async ingest(topic: string, messages: readonly IngestMessage[]): Promise<RecordMetadata[]> {
    const target = this.#resolveTopic(topic);
    const codecs = this.#book.codecs(target);
    const declared = this.manifest.topics.get(target);
    // Ingest comes as JSON text: raw (bytes) keys and values are given as strings.
    const bytes = (value: unknown, serializer: string | undefined): unknown =>
      serializer === 'raw' && typeof value === 'string' ? Buffer.from(value) : value;
    const records: ProducerRecord[] = messages.map((m) => ({
      topic: target,
      key: m.key === undefined || m.key === null ? null : codecs.key.encode(bytes(m.key, declared?.keySerializer)),
      value: codecs.value.encode(bytes(m.value, declared?.valueSerializer)),
      ...(m.partition === undefined ? {} : { partition: m.partition }),
      ...(m.headers === undefined ? {} : { headers: toHeaders(m.headers)! }),
    }));
    const sent = await this.#producer.direct.send(records);
    this.metrics.messagesOut(target, sent.length);
    return sent;
  }

  #resolveTopic(topic: string): string {
    if (topic.startsWith('@')) {
      const agent = this.manifest.agents.get(topic.slice(1));
      if (agent?.topics[0] === undefined) throw new KafkaError(`no agent named "${topic.slice(1)}"`, { code: 'STREAMD_UNKNOWN_TOPIC' });
      return agent.topics[0];
    }
    if (!this.manifest.topics.has(topic)) throw new KafkaError(`"${topic}" is not a topic the manifest declares`, { code: 'STREAMD_UNKNOWN_TOPIC' });
    return topic;
  }

  topology(): Topology {
    const agents = this.#plan.agents.map(({ declaration, repartitions }) => ({
      name: declaration.name,
      topics: declaration.topics,
      concurrency: declaration.concurrency,
      sinks: declaration.sinks.map((s) => (s.kind === 'agent' ? `@${s.name}` : s.name)),
      repartitionTopics: repartitions.map((r) => r.topic),
      handler: declaration.handler.text,
    }));
    const internalTopics = this.#plan.agents.flatMap((a) => [...a.repartitions.map((r) => r.topic), a.deadLetterTopic]);
    return { id: this.manifest.id, sourceTopics: [...this.manifest.topics.keys()], internalTopics, agents };
  }
}

/** Plans the app (probing every handler) and builds its worker; nothing starts until `start()`. */
export async function createWorker(manifest: Manifest, options: WorkerOptions): Promise<Worker> {
  const plan = await makePlan(manifest, options.handlers);
  return new Worker(manifest, plan, options);
}
