// The worker's producer: one driver producer behind a BufferedProducer. Started first and stopped
// last among the Kafka clients, so every sink and changelog send is flushed before it closes.

import type { Logger } from 'pino';
import { BufferedProducer, isRetriableFailure, type BrokerOutage, type KafkaDriver, type Producer, type ProducerOptions } from '../kafka/index.js';
import type { WorkerMetrics } from '../metrics/index.js';
import { Service } from '../service/index.js';
import { RecordLimits } from './record-limits.js';

export class ProducerService extends Service {
  readonly #driver: KafkaDriver;
  readonly #options: ProducerOptions;
  readonly #lingerMs: number;
  readonly #metrics: WorkerMetrics;
  #producer: Producer | undefined;
  #buffered: BufferedProducer | undefined;
  /** Checks a handler's record against its topic's limit before it is buffered. */
  readonly limits = new RecordLimits(() => this.direct);

  readonly #outage: BrokerOutage | undefined;

  /**
   * With `outage`, a send that fails on a broker outage is sent again after a backoff, until the
   * outage's deadline. `lingerMs` is the buffered producer's (settings.producerLingerMs).
   */
  constructor(driver: KafkaDriver, options: ProducerOptions & { readonly lingerMs?: number }, metrics: WorkerMetrics, logger: Logger, outage?: BrokerOutage) {
    super({ name: 'producer', logger });
    this.#driver = driver;
    const { lingerMs, ...driverOptions } = options;
    this.#options = driverOptions;
    this.#lingerMs = lingerMs ?? 0;
    this.#metrics = metrics;
    this.#outage = outage;
  }

  /** The buffered producer; only while running. */
  get buffered(): BufferedProducer {
    if (this.#buffered === undefined) throw new Error('the producer is not started');
    return this.#buffered;
  }

  /** The unbuffered producer, for sends whose offsets the caller needs (ingest). */
  get direct(): Producer {
    if (this.#producer === undefined) throw new Error('the producer is not started');
    return this.#producer;
  }

  protected override async onStart(): Promise<void> {
    const connect = (): Promise<Producer> => this.#driver.producer(this.#options);
    this.#producer = await (this.#outage === undefined ? connect() : this.#outage.retrying('producer', this.signal, connect));
    this.#buffered = new BufferedProducer(this.#producer, {
      lingerMs: this.#lingerMs,
      onFailure: (error) => {
        this.log.error({ err: error }, 'a send failed: stopping before any offset is committed past it');
        this.crash(error);
      },
      shouldRetry: async (error, attempt) => {
        const outage = this.#outage;
        if (outage === undefined || !isRetriableFailure(error) || this.signal.aborted) return false;
        // Past the deadline waitOut throws: the send fails for good, with the reason.
        await outage.waitOut('producer', error, attempt, this.signal);
        return true;
      },
      onRecovered: () => this.#outage?.recovered('producer'),
      onSent: (records, seconds) => {
        this.#metrics.sendLatency(seconds);
        const perTopic = new Map<string, number>();
        for (const { topic } of records) perTopic.set(topic, (perTopic.get(topic) ?? 0) + 1);
        for (const [topic, count] of perTopic) this.#metrics.messagesOut(topic, count);
      },
    });
  }

  protected override async onStop(): Promise<void> {
    try {
      await this.#buffered?.flush();
    } finally {
      await this.#producer?.close();
    }
  }
}
