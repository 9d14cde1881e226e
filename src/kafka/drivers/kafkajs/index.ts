// The kafkajs driver: `kafka://host:port[,host:port]`. The only place in streamd that knows kafkajs.

import type { Kafka as KafkaClient, SASLOptions } from 'kafkajs';
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

const CAPABILITIES: DriverCapabilities = { kip447: false, customAssignor: true, networked: true };

type Close = () => Promise<void>;

class KafkajsDriver implements KafkaDriver {
  readonly name = 'kafkajs';
  readonly capabilities = CAPABILITIES;
  readonly #kafka: KafkaClient;
  /** Every producer of this driver splits its sends by these limits, read once per topic. */
  readonly #limits: TopicLimits;
  readonly #log: Logger;
  readonly #owned = new Set<Close>();
  #closing: Promise<void> | undefined;

  constructor(brokers: readonly string[], options: DriverOptions) {
    this.#log = (options.logger ?? pino({ level: 'silent' })).child({ component: 'kafkajs' });
    this.#kafka = new Kafka({
      clientId: options.clientId ?? 'streamd',
      brokers: [...brokers],
      ...(options.ssl !== undefined ? { ssl: options.ssl } : {}),
      ...(options.sasl !== undefined ? { sasl: options.sasl as SASLOptions } : {}),
      connectionTimeout: options.connectionTimeoutMs ?? 10_000,
      requestTimeout: options.requestTimeoutMs ?? 30_000,
      logLevel: kafkajsLevel(this.#log),
      logCreator: pinoLogCreator(this.#log),
    });
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

  consumer(options: ConsumerOptions): Promise<Consumer> {
    return this.#own(KafkajsConsumer.connect(this.#kafka, options, this.#log));
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
