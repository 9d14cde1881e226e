// Conversions between streamd's record types and kafkajs's, shared by the producers and the consumer.

import type { IHeaders, KafkaMessage, Message, RecordMetadata as KafkajsMetadata } from 'kafkajs';
import { KafkaError } from '../../../errors/index.js';
import type { ConsumerRecord, Headers, ProducerRecord, RecordMetadata } from '../../types.js';

/** A kafkajs message with the streamd record it came from (the partitioner writes `partition`). */
export interface OutgoingMessage extends Message {
  partition?: number;
}

export interface TopicMessages {
  readonly topic: string;
  readonly messages: OutgoingMessage[];
}

/** Groups records by topic, keeping input order, and remembers each record's message. */
export function toTopicMessages(records: readonly ProducerRecord[]): { batches: TopicMessages[]; messages: OutgoingMessage[] } {
  const byTopic = new Map<string, OutgoingMessage[]>();
  const messages: OutgoingMessage[] = [];
  for (const record of records) {
    const message: OutgoingMessage = { key: record.key ?? null, value: record.value };
    if (record.partition !== undefined) message.partition = record.partition;
    if (record.headers !== undefined) message.headers = record.headers;
    if (record.timestamp !== undefined) message.timestamp = String(record.timestamp);
    let list = byTopic.get(record.topic);
    if (list === undefined) byTopic.set(record.topic, (list = []));
    list.push(message);
    messages.push(message);
  }
  return { batches: [...byTopic].map(([topic, list]) => ({ topic, messages: list })), messages };
}

/**
 * Each record's offset: kafkajs answers with one base offset per partition, and the records of a
 * partition are appended in input order, so a record's offset is the base plus its rank.
 */
export function recordOffsets(
  records: readonly ProducerRecord[],
  messages: readonly OutgoingMessage[],
  answers: readonly KafkajsMetadata[],
): RecordMetadata[] {
  const base = new Map<string, bigint>();
  for (const a of answers) base.set(`${a.topicName}\u0000${a.partition}`, BigInt(a.baseOffset ?? '-1'));
  const rank = new Map<string, bigint>();
  return records.map((record, i) => {
    const partition = messages[i]!.partition;
    if (partition === undefined) throw new KafkaError(`no partition was chosen for a record to ${record.topic}`);
    const id = `${record.topic}\u0000${partition}`;
    const start = base.get(id);
    if (start === undefined) throw new KafkaError(`the broker did not acknowledge ${record.topic}[${partition}]`);
    const n = rank.get(id) ?? 0n;
    rank.set(id, n + 1n);
    return { topic: record.topic, partition, offset: start + n };
  });
}

function toHeaders(headers: IHeaders | undefined): Headers {
  if (headers === undefined) return {};
  // The common case, every header once and as bytes: the decoded object is already the answer (each
  // record has its own), and a copy per record is a cost of every consumed record.
  let isPlain = true;
  for (const name in headers) {
    const value = headers[name];
    if (value !== null && !Buffer.isBuffer(value)) {
      isPlain = false;
      break;
    }
  }
  if (isPlain) return headers as Headers;
  const out: Record<string, Buffer> = {};
  for (const [name, value] of Object.entries(headers)) {
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (last !== undefined) out[name] = typeof last === 'string' ? Buffer.from(last) : last;
  }
  return out;
}

export function toConsumerRecord(topic: string, partition: number, message: KafkaMessage): ConsumerRecord {
  return {
    topic,
    partition,
    offset: BigInt(message.offset),
    key: message.key,
    value: message.value,
    headers: toHeaders(message.headers),
    timestamp: Number(message.timestamp),
  };
}
