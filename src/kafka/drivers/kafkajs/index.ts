// The kafkajs driver: `kafka://host:port[,host:port]`. The only place in streamd that knows kafkajs.

import type { Kafka as KafkaClient, KafkaConfig, SASLOptions } from 'kafkajs';
import { Kafka } from './kafkajs.js';
import { pino, type Logger } from 'pino';
import type { DriverOptions } from '../../index.js';
import type {
  Admin,
  Consumer,
  ConsumerOptions,
  DriverCapabilities,
  KafkaDriver,
  Producer,
  ProducerOptions,
  TransactionalProducer,
  TransactionalProducerOptions,
} from '../../types.js';
import { KafkajsAdminClient } from './admin.js';
import { KafkajsConsumer } from './consumer.js';
import { kafkajsLevel, pinoLogCreator } from './logging.js';
import { KafkajsProducer, KafkajsTransactionalProducer } from './producer.js';
import { TopicLimits } from './topic-limits.js';

/** kafkajs's default rebalance timeout, which KafkajsConsumer uses too. */
const DEFAULT_REBALANCE_TIMEOUT_MS = 60_000;
/** Time on top of the rebalance for the answer to travel, as kafkajs gives JoinGroup. */
const GROUP_REQUEST_MARGIN_MS = 5000;

const CAPABILITIES: DriverCapabilities = { kip447: false, customAssignor: true, networked: true };

type Close = () => Promise<void>;

class KafkajsDriver implements KafkaDriver {
  readonly name = 'kafkajs';
  readonly capabilities = CAPABILITIES;
  readonly #kafka: KafkaClient;
  /** Every producer of this driver splits its sends by these limits, read once per topic. */
  readonly #limits: TopicLimits;
  readonly #config: KafkaConfig;
  readonly #log: Logger;
  readonly #owned = new Set<Close>();
  #closing: Promise<void> | undefined;

  constructor(brokers: readonly string[], options: DriverOptions) {
    this.#log = (options.logger ?? pino({ level: 'silent' })).child({ component: 'kafkajs' });
    this.#config = {
      clientId: options.clientId ?? 'streamd',
      brokers: [...brokers],
      ...(options.ssl !== undefined ? { ssl: options.ssl } : {}),
      ...(options.sasl !== undefined ? { sasl: options.sasl as SASLOptions } : {}),
      connectionTimeout: options.connectionTimeoutMs ?? 10_000,
      requestTimeout: options.requestTimeoutMs ?? 30_000,
      logLevel: kafkajsLevel(this.#log),
      logCreator: pinoLogCreator(this.#log),
    };
    this.#kafka = new Kafka(this.#config);
    this.#limits = new TopicLimits(this.#kafka);
  }

  /** Remembers how to close what `creating` makes, so that `close()` closes it. */
  async #own<T extends { close(): Promise<void> } | { stop(): Promise<void> }>(creating: Promise<T>): Promise<T> {
    const made = await creating;
    this.#owned.add('stop' in made ? () => made.stop() : () => made.close());
    return made;
  }

  producer(options: ProducerOptions = {}): Promise<Producer> {
    return this.#own(KafkajsProducer.connect(this.#kafka, this.#limits, options));
  }

  transactionalProducer(transactionalId: string, options: TransactionalProducerOptions = {}): Promise<TransactionalProducer> {
    return this.#own(KafkajsTransactionalProducer.connect(this.#kafka, this.#limits, transactionalId, options.transactionTimeoutMs ?? 60_000));
  }

  /**
   * A group member's SyncGroup waits for the leader's assignment, which can take as long as the
   * rebalance (a dead leader is noticed at its session timeout); kafkajs sends it under the client's
   * request timeout (only JoinGroup gets more). So a consumer whose rebalance timeout outlasts the
   * request timeout gets a client of its own with the request timeout raised above the rebalance's.
   */
  consumer(options: ConsumerOptions): Promise<Consumer> {
    const groupWaitMs = Math.max(options.rebalanceTimeoutMs ?? DEFAULT_REBALANCE_TIMEOUT_MS, options.sessionTimeoutMs ?? 0) + GROUP_REQUEST_MARGIN_MS;
    const kafka = groupWaitMs > (this.#config.requestTimeout ?? 30_000) ? new Kafka({ ...this.#config, requestTimeout: groupWaitMs }) : this.#kafka;
    return this.#own(KafkajsConsumer.connect(kafka, options, this.#log));
  }

  admin(): Promise<Admin> {
    return this.#own(KafkajsAdminClient.connect(this.#kafka));
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      const closing = [...this.#owned, () => this.#limits.close()].map((close) => close());
      const results = await Promise.allSettled(closing);
      for (const r of results) if (r.status === 'rejected') this.#log.warn({ err: r.reason as unknown }, 'closing a Kafka client failed');
    })();
    return this.#closing;
  }
}

/** Creates the kafkajs driver for the given `host:port` brokers. */
export function createKafkajsDriver(brokers: readonly string[], options: DriverOptions): KafkaDriver {
  return new KafkajsDriver(brokers, options);
}
