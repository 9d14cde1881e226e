// MemoryProducer: the plain producer of the embedded broker. A send appends every record before its
// promise is returned, so `flush` has nothing to wait for. Created by MemoryDriver.producer().

import { IllegalStateError } from '../../../errors/index.js';
import { Partitioner } from '../../partitioner.js';
import { maxRecordBytes } from '../../record-size.js';
import type { Producer, ProducerRecord, RecordMetadata } from '../../types.js';
import type { MemoryCluster } from './cluster.js';
import { routeRecords } from './record-routing.js';
import { runNow } from './run-now.js';

/**
 * acks, compression and idempotence are accepted and have no effect: the log is in this process,
 * written once, and never replicated or sent over a wire.
 */
export class MemoryProducer implements Producer {
  readonly #cluster: MemoryCluster;
  /** One per producer, so round robin of keyless records is per producer, as in Kafka's clients. */
  readonly #partitioner = new Partitioner();
  #closing: Promise<void> | undefined;

  constructor(cluster: MemoryCluster) {
    this.#cluster = cluster;
  }

  /**
   * Appends every record or none: an unknown topic or partition, or a record over its topic's
   * limit, rejects the whole call.
   */
  send(records: readonly ProducerRecord[]): Promise<RecordMetadata[]> {
    return runNow(() => {
      if (this.#closing !== undefined) throw new IllegalStateError('producer is closed');
      return routeRecords(this.#cluster, this.#partitioner, records).map(({ log, record }) => ({
        topic: log.topic,
        partition: log.partition,
        offset: BigInt(log.append(record)),
      }));
    });
  }

  maxRecordBytes(topic: string): Promise<number> {
    return runNow(() => maxRecordBytes(this.#cluster.maxMessageBytes(topic)));
  }

  /** Every send has completed by the time it returned its promise. */
  flush(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return (this.#closing ??= this.flush());
  }
}
