// How a worker's records reach Kafka: a handler's sends (encoded with the target topic's codecs,
// checked against its size limit, then into the buffered producer — or, under exactly_once, into
// the transaction of the event that made them) and the web API's ingest (sent at once).

import type { OutboxMessage } from '../agents/index.js';
import type { ProducerRecord, RecordMetadata } from '../kafka/index.js';
import type { Manifest } from '../manifest/index.js';
import type { WorkerMetrics } from '../metrics/index.js';
import type { Event, SendSource } from '../streams/index.js';
import type { CodecBook } from './codec-book.js';
import type { ExactlyOnce } from './eos/index.js';
import { ingestRecords, toHeaders } from './ingest-records.js';
import { placement } from './placement.js';
import type { ProducerService } from './producer-service.js';
import type { IngestMessage } from './types.js';

export interface RecordSendsParts {
  readonly manifest: Manifest;
  readonly metrics: WorkerMetrics;
  readonly book: CodecBook;
  readonly eos: ExactlyOnce | undefined;
  /** The producers (built after this object, with the service tree). */
  readonly producer: () => ProducerService;
  /** Partition counts of the topology's topics, known once the worker has started. */
  readonly partitionCounts: () => ReadonlyMap<string, number>;
}

export class RecordSends {
  readonly #parts: RecordSendsParts;

  constructor(parts: RecordSendsParts) {
    this.#parts = parts;
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
    const book = this.#parts.book;
    const codecs = book.codecs(topic);
    const key = message.key !== undefined ? codecs.key.encode(message.key) : (message.rawKey ?? null);
    const value = Buffer.isBuffer(message.value) && !book.has(topic) ? message.value : codecs.value.encode(message.value);
    const headers = toHeaders(message.headers, message.key === undefined ? undefined : book.keyHeaders(topic, message.key));
    const made = headers === undefined ? { topic, key, value } : { topic, key, value, headers };
    const record: ProducerRecord = message.partition === undefined && message.timestamp === undefined ? made : { ...made, ...placement(topic, message, this.#parts.partitionCounts()) };
    const checking = this.#parts.producer().limits.check(record);
    if (checking !== undefined) return checking.then(() => this.#enqueueSend(record, message.event) ?? undefined);
    return this.#enqueueSend(record, message.event);
  }

  /** A handler's record, checked: into its event's transaction under exactly_once, else the buffered producer. */
  #enqueueSend(record: ProducerRecord, event: Event | undefined): Promise<void> | undefined {
    const eos = this.#parts.eos;
    if (eos !== undefined && event !== undefined) {
      eos.enqueueFor(record, event);
      return undefined;
    }
    const buffered = this.#parts.producer().buffered;
    buffered.send(record);
    return buffered.whenRoom();
  }

  /** Sends a record made by processing `event`: in its partition generation's transaction under exactly_once. */
  enqueue(record: ProducerRecord, event: Event): void {
    const eos = this.#parts.eos;
    if (eos === undefined) this.#parts.producer().buffered.send(record);
    else eos.enqueueFor(record, event);
  }

  /** Sends a record the conductor made (a dead letter) for `source`: in its transaction under exactly_once. */
  enqueueFrom(record: ProducerRecord, source: SendSource | undefined): void {
    const eos = this.#parts.eos;
    if (eos === undefined) this.#parts.producer().buffered.send(record);
    else eos.enqueue(record, source);
  }

  /** The web API's records: refused whole when one is over its topic's limit, else sent at once. */
  async ingest(topic: string, messages: readonly IngestMessage[]): Promise<RecordMetadata[]> {
    const { manifest, book, metrics } = this.#parts;
    const producer = this.#parts.producer();
    const { target, records } = ingestRecords({ manifest, book, partitionsOf: this.#parts.partitionCounts() }, topic, messages);
    // A record over the topic's limit is refused before any of the request is sent (STREAMD_RECORD_TOO_LARGE).
    for (const record of records) await producer.limits.check(record);
    const sent = await producer.direct.send(records);
    metrics.messagesOut(target, sent.length);
    return sent;
  }
}
