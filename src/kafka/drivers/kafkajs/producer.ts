// Plain and transactional producers over kafkajs. Partitions are picked by streamd's own
// Java-compatible partitioner, so the memory and kafkajs drivers agree on every key. A send is
// split into requests by bytes, under each topic's max.message.bytes (../../record-size.ts).

import type { CompressionTypes as KafkajsCompression, ICustomPartitioner, Kafka, Producer as RawProducer, Sender } from 'kafkajs';
import { CompressionTypes } from './kafkajs.js';
import { Partitioner } from '../../partitioner.js';
import type {
  Acks,
  Producer,
  ProducerOptions,
  ProducerRecord,
  RecordMetadata,
  Transaction,
  TransactionalProducer,
  TopicPartitionOffset,
} from '../../types.js';
import { maxRecordBytes, splitByBytes } from '../../record-size.js';
import { mapErrors } from './errors.js';
import { recordOffsets, toTopicMessages } from './records.js';
import type { TopicLimits } from './topic-limits.js';

const ACKS: Record<Acks, number> = { all: -1, leader: 1, none: 0 };

/**
 * kafkajs's partitioner hook, backed by `Partitioner`. It records the chosen partition on the
 * message so that `send` can report each record's partition and offset.
 */
export function streamdPartitioner(): ICustomPartitioner {
  return () => {
    const partitioner = new Partitioner();
    return ({ topic, partitionMetadata, message }) => {
      if (message.partition === undefined) {
        const key = typeof message.key === 'string' ? Buffer.from(message.key) : message.key;
        message.partition = partitioner.partition(topic, key, partitionMetadata.length);
      }
      return message.partition;
    };
  };
}

/** Bounded retries: a send to a deleted topic must fail, not retry forever (kafkajs's idempotent default). */
export const PRODUCER_RETRY = { retries: 10, initialRetryTime: 100, maxRetryTime: 10_000 };

/**
 * Sends `records` as one request per slice that `splitByBytes` cuts, one slice after the other (so a
 * partition's records land in call order). A record too large for any batch rejects the whole send
 * before anything is sent (splitByBytes throws before it returns). Slices sent before a failed one
 * stay sent: the caller's send rejects, as it would for a failed single request that the broker had
 * partly appended.
 */
async function sendVia(sender: Sender, limits: TopicLimits, records: readonly ProducerRecord[], acks: number, compression: KafkajsCompression): Promise<RecordMetadata[]> {
  if (records.length === 0) return [];
  const limitOf = await limits.ofAll(records.map((r) => r.topic));
  const limit = (topic: string): number => limitOf.get(topic)!;
  const out: RecordMetadata[] = [];
  for (const slice of splitByBytes(records, limit)) {
    const { batches, messages } = toTopicMessages(slice);
    const answers = await sender.sendBatch({ topicMessages: batches, acks, compression });
    out.push(...recordOffsets(slice, messages, answers));
  }
  return out;
}

export class KafkajsProducer implements Producer {
  readonly #producer: RawProducer;
  readonly #limits: TopicLimits;
  readonly #acks: number;
  readonly #compression: KafkajsCompression;
  readonly #inFlight = new Set<Promise<unknown>>();
  /**
   * The latest send. kafkajs does not keep the call order of overlapping sends (each waits for
   * metadata before it takes the broker lock, so a later one can overtake the first sends to a new
   * topic), so each send starts once the one before it has settled. The idempotent producer has
   * one request in flight per broker anyway, so this costs little.
   */
  #previous: Promise<unknown> = Promise.resolve();
  #closing: Promise<void> | undefined;

  private constructor(producer: RawProducer, limits: TopicLimits, options: ProducerOptions) {
    this.#producer = producer;
    this.#limits = limits;
    this.#acks = ACKS[options.acks ?? 'all'];
    this.#compression = options.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
  }

  static async connect(kafka: Kafka, limits: TopicLimits, options: ProducerOptions): Promise<KafkajsProducer> {
    const idempotent = options.idempotent ?? (options.acks ?? 'all') === 'all';
    const producer = kafka.producer({
      createPartitioner: streamdPartitioner(),
      allowAutoTopicCreation: false,
      idempotent,
      ...(idempotent ? { maxInFlightRequests: 1 } : {}),
      retry: PRODUCER_RETRY,
    });
    await mapErrors('connect producer', () => producer.connect());
    return new KafkajsProducer(producer, limits, options);
  }

  async maxRecordBytes(topic: string): Promise<number> {
    return maxRecordBytes(await this.#limits.of(topic));
  }

  send(records: readonly ProducerRecord[]): Promise<RecordMetadata[]> {
    // A send queued behind one that fails is failed with it, unsent: were it sent, its records
    // would land before the failed ones that the caller sends again (a broker outage), and a
    // table that drops events it already reflects would drop those. Sends made after the failure
    // was reported go out as usual.
    const sending = this.#previous.then(() => mapErrors('send', () => sendVia(this.#producer, this.#limits, records, this.#acks, this.#compression)));
    this.#previous = sending;
    sending.catch(() => {
      if (this.#previous === sending) this.#previous = Promise.resolve();
    });
    this.#inFlight.add(sending);
    void sending.finally(() => this.#inFlight.delete(sending)).catch(() => undefined);
    return sending;
  }

  async flush(): Promise<void> {
    await Promise.allSettled([...this.#inFlight]);
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.flush();
      await this.#producer.disconnect();
    })();
    return this.#closing;
  }
}

class KafkajsTransaction implements Transaction {
  readonly #transaction: Awaited<ReturnType<RawProducer['transaction']>>;
  readonly #limits: TopicLimits;

  constructor(transaction: Awaited<ReturnType<RawProducer['transaction']>>, limits: TopicLimits) {
    this.#transaction = transaction;
    this.#limits = limits;
  }

  send(records: readonly ProducerRecord[]): Promise<RecordMetadata[]> {
    return mapErrors('transactional send', () => sendVia(this.#transaction, this.#limits, records, ACKS.all, CompressionTypes.None));
  }

  sendOffsets(groupId: string, offsets: readonly TopicPartitionOffset[]): Promise<void> {
    const byTopic = new Map<string, { partition: number; offset: string }[]>();
    for (const { topic, partition, offset } of offsets) {
      let list = byTopic.get(topic);
      if (list === undefined) byTopic.set(topic, (list = []));
      list.push({ partition, offset: offset.toString() });
    }
    const topics = [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
    return mapErrors('send offsets to transaction', () => this.#transaction.sendOffsets({ consumerGroupId: groupId, topics }));
  }

  commit(): Promise<void> {
    return mapErrors('commit transaction', () => this.#transaction.commit());
  }

  abort(): Promise<void> {
    return mapErrors('abort transaction', () => this.#transaction.abort());
  }
}

export class KafkajsTransactionalProducer implements TransactionalProducer {
  readonly transactionalId: string;
  readonly #producer: RawProducer;
  readonly #limits: TopicLimits;
  #closing: Promise<void> | undefined;

  private constructor(transactionalId: string, producer: RawProducer, limits: TopicLimits) {
    this.transactionalId = transactionalId;
    this.#producer = producer;
    this.#limits = limits;
  }

  /** Connecting initialises the transactional producer id, which bumps the epoch and fences older producers with this id. */
  static async connect(kafka: Kafka, limits: TopicLimits, transactionalId: string, transactionTimeoutMs: number): Promise<KafkajsTransactionalProducer> {
    const producer = kafka.producer({
      createPartitioner: streamdPartitioner(),
      allowAutoTopicCreation: false,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionalId,
      transactionTimeout: transactionTimeoutMs,
      retry: PRODUCER_RETRY,
    });
    await mapErrors(`connect transactional producer ${transactionalId}`, async () => {
      await producer.connect();
      // kafkajs initialises the transactional producer id lazily, at the first transaction. An empty
      // transaction does it now, so creating this producer fences older ones at once (and the
      // coordinator aborts their open transaction). With no partitions added, abort is local.
      const empty = await producer.transaction();
      await empty.abort();
    });
    return new KafkajsTransactionalProducer(transactionalId, producer, limits);
  }

  async begin(): Promise<Transaction> {
    return new KafkajsTransaction(await mapErrors('begin transaction', () => this.#producer.transaction()), this.#limits);
  }

  close(): Promise<void> {
    this.#closing ??= this.#producer.disconnect();
    return this.#closing;
  }
}
