// Checks each record a handler sends against its topic's limit before it is buffered, so a record
// no batch can carry fails the send that made it (a handler error of its event, routed by the
// agent's policy) instead of failing the producer at the next commit. Owned by ProducerService.

import { RecordTooLargeError, recordBytes, type Producer, type ProducerRecord } from '../kafka/index.js';

export class RecordLimits {
  readonly #producer: () => Producer;
  /** topic → the largest record it accepts, once read. */
  readonly #known = new Map<string, number>();

  constructor(producer: () => Producer) {
    this.#producer = producer;
  }

  /**
   * Throws RecordTooLargeError when `record` is over its topic's limit. Synchronous once the
   * topic's limit is known; the first record of a topic waits for the limit (read once).
   */
  check(record: ProducerRecord): Promise<void> | undefined {
    const limit = this.#known.get(record.topic);
    if (limit !== undefined) {
      RecordLimits.#checkAgainst(record, limit);
      return undefined;
    }
    return this.#producer()
      .maxRecordBytes(record.topic)
      .then((read) => {
        this.#known.set(record.topic, read);
        RecordLimits.#checkAgainst(record, read);
      });
  }

  static #checkAgainst(record: ProducerRecord, limit: number): void {
    const bytes = recordBytes(record);
    if (bytes > limit) throw new RecordTooLargeError(record.topic, record.key, bytes, limit);
  }
}
