// Produce requests sized by bytes: an upper estimate of a record's size in a Kafka v2 record batch,
// the split of one send into requests whose batches stay under the broker's limit, and the error a
// record too large for any batch raises. Both drivers size their sends with it, so they accept and
// refuse the same records; the worker checks records against it when a handler writes them.

import { KafkaError } from '../errors/index.js';
import type { ProducerRecord } from './types.js';

/**
 * Kafka's default `message.max.bytes` (broker) and `max.message.bytes` (topic): the largest record
 * batch a partition accepts, 1 MiB plus the 12 bytes of the old message-set overhead.
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

/** A v2 record batch's own header: base offset, length, epoch, magic, crc, attributes, ids, count. */
export const BATCH_OVERHEAD_BYTES = 61;

/**
 * A record's fixed fields at their widest: its length, attributes, timestamp and offset deltas, and
 * the key, value and header-count lengths (varints of at most 5 or 10 bytes).
 */
const RECORD_OVERHEAD_BYTES = 5 + 1 + 10 + 5 + 5 + 5 + 5;
/** A header's two length varints. */
const HEADER_OVERHEAD_BYTES = 10;

/**
 * Batches are filled to this share of the limit. The estimate already errs high; the margin covers
 * what it cannot see (a broker that counts differently, a limit lowered after it was read).
 */
const FILL_RATIO = 0.9;

/**
 * One request carries at most this many bytes over all its partitions, so that many partitions of
 * one send stay well under the broker's `socket.request.max.bytes` (100 MiB by default).
 */
const MAX_REQUEST_BYTES = 16 * 1024 * 1024;

/** An upper estimate of `record`'s bytes in a record batch (before compression). */
export function recordBytes(record: Pick<ProducerRecord, 'key' | 'value' | 'headers'>): number {
  let bytes = RECORD_OVERHEAD_BYTES + (record.key?.length ?? 0) + (record.value?.length ?? 0);
  const headers = record.headers;
  if (headers !== undefined) {
    // for…in, not Object.entries: no array of pairs per record (this runs a few times per record sent).
    for (const name in headers) bytes += HEADER_OVERHEAD_BYTES + Buffer.byteLength(name) + headers[name]!.length;
  }
  return bytes;
}

/** The largest record (by `recordBytes`) that fits a batch under `maxMessageBytes`. */
export function maxRecordBytes(maxMessageBytes: number): number {
  return maxMessageBytes - BATCH_OVERHEAD_BYTES;
}

/**
 * A record that no batch can carry: larger than its topic's `max.message.bytes`. Not retriable;
 * the producer that refused it is unharmed. Raised before anything of the send went out.
 */
export class RecordTooLargeError extends KafkaError {
  readonly topic: string;
  readonly bytes: number;
  readonly limitBytes: number;

  constructor(topic: string, key: Buffer | null | undefined, bytes: number, limitBytes: number, what = 'a record') {
    super(
      `${what} for topic ${topic} (key ${keyPreview(key)}) is ${bytes} bytes, over the ${limitBytes}-byte limit of the topic ` +
        `(max.message.bytes, less a batch header): make the value smaller (split it, or store a reference to it), ` +
        `or raise the topic's max.message.bytes (and the consumers' fetch size, consumerMaxFetchBytes)`,
      { code: 'STREAMD_RECORD_TOO_LARGE', retriable: false },
    );
    this.topic = topic;
    this.bytes = bytes;
    this.limitBytes = limitBytes;
  }
}

function keyPreview(key: Buffer | null | undefined): string {
  if (key === null || key === undefined) return 'none';
  const text = key.subarray(0, 40).toString('utf8');
  return `${JSON.stringify(text)}${key.length > 40 ? `… (${key.length} bytes)` : ''}`;
}

/** Throws RecordTooLargeError for the first record of `records` that no batch of its topic can carry. */
export function checkRecordSizes(records: readonly ProducerRecord[], limitOf: (topic: string) => number): void {
  for (const record of records) {
    const limit = maxRecordBytes(limitOf(record.topic));
    const bytes = recordBytes(record);
    if (bytes > limit) throw new RecordTooLargeError(record.topic, record.key, bytes, limit);
  }
}

/**
 * Splits one send into consecutive requests, in order, so that no partition's batch in a request
 * passes its topic's limit. A record without a partition may land on any partition of its topic,
 * so it counts against all of them. Throws RecordTooLargeError (before anything is sent) when a
 * record cannot fit alone (see `checkRecordSizes`). A send whose records together fit under the
 * smallest limit of their topics, the usual case, is one request, with one size estimate per record.
 */
export function splitByBytes(records: readonly ProducerRecord[], limitOf: (topic: string) => number): (readonly ProducerRecord[])[] {
  let sendBytes = 0;
  let smallestTarget = MAX_REQUEST_BYTES;
  let topic: string | undefined;
  for (const record of records) {
    sendBytes += recordBytes(record);
    if (record.topic !== topic) {
      topic = record.topic;
      smallestTarget = Math.min(smallestTarget, Math.floor(maxRecordBytes(limitOf(topic)) * FILL_RATIO));
    }
  }
  // Each record is within the whole, and so under its topic's limit too.
  if (sendBytes <= smallestTarget) return records.length === 0 ? [] : [records];
  checkRecordSizes(records, limitOf);
  const requests: ProducerRecord[][] = [];
  let current: ProducerRecord[] = [];
  /** topic → partition (-1: not chosen yet) → bytes in `current`. */
  let perPartition = new Map<string, Map<number, number>>();
  let total = 0;
  for (const record of records) {
    const bytes = recordBytes(record);
    const target = Math.floor(maxRecordBytes(limitOf(record.topic)) * FILL_RATIO);
    const partitions = perPartition.get(record.topic);
    const unplaced = partitions?.get(-1) ?? 0;
    let filled = 0;
    if (partitions !== undefined) {
      if (record.partition === undefined) for (const b of partitions.values()) filled += b;
      else filled = (partitions.get(record.partition) ?? 0) + unplaced;
    }
    if (current.length > 0 && (filled + bytes > target || total + bytes > MAX_REQUEST_BYTES)) {
      requests.push(current);
      current = [];
      perPartition = new Map();
      total = 0;
    }
    current.push(record);
    total += bytes;
    let sums = perPartition.get(record.topic);
    if (sums === undefined) perPartition.set(record.topic, (sums = new Map<number, number>()));
    const partition = record.partition ?? -1;
    sums.set(partition, (sums.get(partition) ?? 0) + bytes);
  }
  if (current.length > 0) requests.push(current);
  return requests;
}
