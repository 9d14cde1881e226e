// MemoryDriver: the `memory://` driver — the KafkaDriver port over one embedded MemoryCluster. It
// creates the clients and closes every one of them on close(). Created by createMemoryDriver.

import { pino, type Logger } from 'pino';
import { IllegalStateError, KafkaError } from '../../../errors/index.js';
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
import { MemoryAdmin } from './admin.js';
import type { MemoryCluster } from './cluster.js';
import { MemoryConsumer } from './consumer.js';
import { MemoryProducer } from './producer.js';
import { runNow } from './run-now.js';
import { MemoryTransactionalProducer } from './transactional-producer.js';

const CAPABILITIES: DriverCapabilities = { kip447: false, customAssignor: true, networked: false };

/** What the driver needs to create its clients. */
export interface MemoryDriverOptions {
  readonly clientId: string;
  /** The driver's logger (already a `memory-broker` child); silent when absent. */
  readonly logger?: Logger | undefined;
}

export class MemoryDriver implements KafkaDriver {
  readonly name = 'memory';
  readonly capabilities = CAPABILITIES;
  readonly #cluster: MemoryCluster;
  readonly #clientId: string;
  readonly #logger: Logger;
  /** How to stop each consumer this driver created. */
  readonly #consumerStops: (() => Promise<void>)[] = [];
  /** How to close each producer and admin this driver created. */
  readonly #closers: (() => Promise<void>)[] = [];
  #closing: Promise<void> | undefined;

  constructor(cluster: MemoryCluster, options: MemoryDriverOptions) {
    this.#cluster = cluster;
    this.#clientId = options.clientId;
    this.#logger = options.logger ?? pino({ level: 'silent' });
  }

  /** acks, compression and idempotence are accepted and have no effect in one process. */
  producer(_options?: ProducerOptions): Promise<Producer> {
    return this.#create(this.#closers, () => {
      const producer = new MemoryProducer(this.#cluster);
      return [producer, () => producer.close()];
    });
  }

  transactionalProducer(transactionalId: string, options?: TransactionalProducerOptions): Promise<TransactionalProducer> {
    return this.#create(this.#closers, () => {
      const producer = new MemoryTransactionalProducer(this.#cluster, transactionalId, options);
      return [producer, () => producer.close()];
    });
  }

  consumer(options: ConsumerOptions): Promise<Consumer> {
    return this.#create(this.#consumerStops, () => {
      const consumer = new MemoryConsumer(this.#cluster, options, this.#clientId, this.#logger);
      return [consumer, () => consumer.stop()];
    });
  }

  admin(): Promise<Admin> {
    return this.#create(this.#closers, () => {
      const admin = new MemoryAdmin(this.#cluster);
      return [admin, () => admin.close()];
    });
  }

  /**
   * Stops every consumer first (a batch in flight may still send), then closes every producer and
   * admin. Each step runs even if another fails.
   */
  close(): Promise<void> {
    return (this.#closing ??= this.#close());
  }

  async #close(): Promise<void> {
    const stops = await Promise.allSettled(this.#consumerStops.map((stop) => stop()));
    const closes = await Promise.allSettled(this.#closers.map((close) => close()));
    const errors = [...stops, ...closes].flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    if (errors.length > 0) throw new KafkaError(`closing ${errors.length} memory client(s) failed`, { cause: new AggregateError(errors) });
  }

  #create<T>(closers: (() => Promise<void>)[], create: () => readonly [T, () => Promise<void>]): Promise<T> {
    return runNow(() => {
      if (this.#closing !== undefined) throw new IllegalStateError('memory driver is closed');
      const [client, close] = create();
      closers.push(close);
      return client;
    });
  }
}
