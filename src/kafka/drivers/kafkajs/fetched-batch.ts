// The Batch of kafkajs 2.2.4 (src/consumer/batch.js), built without a Long per record: its
// constructor drops the records before the fetched offset by parsing each record's offset into a
// Long (a BigInt inside) to compare it, ~0.2 µs and two objects per consumed record — a visible part
// of a restore's main-thread time and garbage. Offsets are decimal text here, so they compare as
// text: the longer is the larger, equal lengths compare by characters. Same fields, same methods
// (kafkajs's own prototype), same records kept. wire-patches.ts installs it in kafkajs's module cache.

import { createRequire } from 'node:module';

/** What the constructor reads of a decoded record. */
interface FetchedMessage {
  readonly offset: string;
  readonly isControlRecord?: boolean;
}

interface PartitionData {
  readonly partition: number;
  readonly highWatermark: string;
  readonly abortedTransactions?: readonly unknown[];
  readonly messages: readonly FetchedMessage[];
}

type AbortedFilter = (input: { messages: FetchedMessage[]; abortedTransactions?: readonly unknown[] }) => FetchedMessage[];
type BatchClass = new (topic: string, fetchedOffset: unknown, partitionData: PartitionData) => object;

/** Decimal text of an integer without leading zeros ("0" itself aside): what compares as text. */
const isPlainDecimal = (text: string): boolean => text.length > 0 && text[0] !== '-' && (text.length === 1 || text[0] !== '0');

/** `offset >= from` for offsets as decimal text; exact for any integer text, by BigInt when not plain. */
export function isOffsetAtOrPast(offset: string, from: string): boolean {
  if (!isPlainDecimal(offset) || !isPlainDecimal(from)) return BigInt(offset) >= BigInt(from);
  return offset.length === from.length ? offset >= from : offset.length > from.length;
}

/**
 * A constructor in place of kafkajs's Batch: an object of kafkajs's Batch prototype with the fields
 * its constructor sets. `filterAbortedMessages` is the one the module cache holds (read-committed.ts).
 */
export function fetchedBatchClass(Original: BatchClass, filterAbortedMessages: AbortedFilter, longText: (value: unknown) => string): BatchClass {
  const prototype = Original.prototype as object;
  function FetchedBatch(topic: string, fetchedOffset: unknown, partitionData: PartitionData): object {
    const from = longText(fetchedOffset);
    const { abortedTransactions, messages } = partitionData;
    const withinOffset = messages.filter((message) => isOffsetAtOrPast(message.offset, from));
    const batch = Object.create(prototype) as Record<string, unknown>;
    batch['fetchedOffset'] = fetchedOffset;
    batch['topic'] = topic;
    batch['partition'] = partitionData.partition;
    batch['highWatermark'] = partitionData.highWatermark;
    batch['rawMessages'] = messages;
    batch['messagesWithinOffset'] = withinOffset;
    batch['messages'] = filterAbortedMessages({ messages: withinOffset, ...(abortedTransactions === undefined ? {} : { abortedTransactions }) }).filter((message) => message.isControlRecord !== true);
    return batch;
  }
  FetchedBatch.prototype = prototype;
  return FetchedBatch as unknown as BatchClass;
}

/** kafkajs's Batch module replaced: call before kafkajs's consumer loads, after read-committed.ts. */
export function fetchedBatchModule(): BatchClass {
  const require = createRequire(import.meta.url);
  const Original = require('kafkajs/src/consumer/batch.js') as BatchClass;
  const filter = require('kafkajs/src/consumer/filterAbortedMessages.js') as AbortedFilter;
  const Long = require('kafkajs/src/utils/long.js') as { fromValue(value: unknown): { toString(): string } };
  return fetchedBatchClass(Original, filter, (value) => (typeof value === 'string' ? value : Long.fromValue(value).toString()));
}
