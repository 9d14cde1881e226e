// The three client-bench runs on raw @platformatic/kafka 2.x (Node >= 22.22), configured as
// streamd's kafkajs driver is: idempotent producer (acks=all), read_committed consumer. The library
// is loaded from the directory the parent installed it into (platformatic-install.ts), so only the
// few calls used here are typed.

import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Meter, pageViews, transform, within, type ClientFigures } from './meter.js';
import type { RunSpec } from './run-spec.js';

interface Message {
  readonly value: Buffer | undefined;
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly leaderEpoch: number;
}
interface CommitOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly leaderEpoch: number;
}
interface MessagesStream {
  on(event: 'data', listener: (message: Message) => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
  pause(): this;
  resume(): this;
  close(): Promise<void>;
}
interface OutMessage {
  readonly topic: string;
  readonly key?: Buffer;
  readonly value?: Buffer;
}
interface FetchedBatch {
  readonly firstOffset: bigint;
  readonly lastOffsetDelta: number;
  readonly attributes: number;
  readonly records: readonly { readonly value: Buffer | null }[];
}
interface FetchResponse {
  readonly responses: readonly { readonly partitions: readonly { readonly partitionIndex: number; readonly records?: readonly FetchedBatch[] | null }[] }[];
}
interface TopicMetadata {
  readonly id: string;
  readonly partitions: readonly { readonly leader: number }[];
}
interface Consumer {
  metadata(options: { topics: string[] }): Promise<{ topics: Map<string, TopicMetadata> }>;
  fetch(options: Record<string, unknown>): Promise<FetchResponse>;
  consume(options: Record<string, unknown>): Promise<MessagesStream>;
  commit(options: { offsets: CommitOffset[] }): Promise<void>;
  close(force?: boolean): Promise<void>;
}
interface Producer {
  send(options: { messages: OutMessage[]; acks: number }): Promise<unknown>;
  close(force?: boolean): Promise<void>;
}
interface Platformatic {
  readonly Consumer: new (options: Record<string, unknown>) => Consumer;
  readonly Producer: new (options: Record<string, unknown>) => Producer;
}

const BATCH = 10_000;
/** Records per send in the loop: about 8,000 re-keyed views (~115 B) stay under the broker's 1 MiB max.message.bytes. */
const SEND_MAX = 8_000;
const ACKS_ALL = -1;
const READ_COMMITTED = 1;
/** The record batch attribute bit of a transaction control batch. */
const CONTROL = 0x20;

async function load(spec: RunSpec): Promise<Platformatic> {
  if (spec.platformaticDir === undefined) throw new Error('platformatic run without platformaticDir');
  return (await import(pathToFileURL(join(spec.platformaticDir, 'node_modules', '@platformatic', 'kafka', 'dist', 'index.js')).href)) as Platformatic;
}

function base(spec: RunSpec): Record<string, unknown> {
  return { clientId: 'streamd-bench', bootstrapBrokers: [spec.bootstrap] };
}

function consumerOptions(spec: RunSpec): Record<string, unknown> {
  return { ...base(spec), groupId: spec.group, maxWaitTime: 100, maxBytesPerPartition: 1_048_576, isolationLevel: READ_COMMITTED, autocommit: false };
}

/** Sends `spec.records` keyed page views in batches of 10,000, one send after the other. */
export async function platformaticProduce(spec: RunSpec): Promise<ClientFigures> {
  const { Producer } = await load(spec);
  const producer = new Producer({ ...base(spec), idempotent: true, acks: ACKS_ALL });
  try {
    const views = pageViews(BATCH).map((v) => ({ topic: spec.output, ...v }));
    const meter = new Meter(spec.records);
    meter.start();
    for (let sent = 0; sent < spec.records; sent += BATCH) {
      const messages = views.slice(0, Math.min(BATCH, spec.records - sent));
      await producer.send({ messages, acks: ACKS_ALL });
      meter.count(messages.length);
    }
    return await meter.done;
  } finally {
    await producer.close();
  }
}

/** Reads the input from the beginning with a fresh group (the library's message stream), JSON.parse of every value. */
export async function platformaticConsume(spec: RunSpec): Promise<ClientFigures> {
  const { Consumer } = await load(spec);
  const consumer = new Consumer(consumerOptions(spec));
  try {
    const meter = new Meter(spec.records);
    let parsed = 0;
    const stream = await consumer.consume({ topics: [spec.input], mode: 'earliest' });
    const failed = new Promise<never>((_, reject) => stream.on('error', reject));
    stream.on('data', (message) => {
      parsed += (JSON.parse(message.value!.toString()) as { seq: number }).seq >= 0 ? 1 : 0;
      meter.count(1);
    });
    const figures = await Promise.race([within(meter, spec.timeoutMs, 'platformatic consume'), failed]);
    if (parsed < spec.records) throw new Error(`platformatic consume parsed ${parsed} of ${spec.records}`);
    await stream.close();
    return figures;
  } finally {
    await consumer.close(true);
  }
}

/**
 * The values of every record `spec.input` holds, one array per fetch response, read with the
 * client's low-level fetch (no group, no message stream): what a streamd driver's own fetch loop
 * would get, since per-partition pause needs a loop of our own. Ends after `spec.records` records.
 */
async function* fetchValues(consumer: Consumer, spec: RunSpec): AsyncGenerator<Buffer[]> {
  const topic = (await consumer.metadata({ topics: [spec.input] })).topics.get(spec.input)!;
  const next = topic.partitions.map(() => 0n);
  const node = topic.partitions[0]!.leader;
  if (topic.partitions.some((p) => p.leader !== node)) throw new Error('platformatic fetch: every partition must have the same leader');
  const deadline = Date.now() + spec.timeoutMs;
  for (let read = 0; read < spec.records; ) {
    if (Date.now() > deadline) throw new Error(`platformatic fetch: ${read} of ${spec.records} records in ${spec.timeoutMs} ms`);
    const partitions = next.map((fetchOffset, partition) => ({ partition, fetchOffset, partitionMaxBytes: 1_048_576, currentLeaderEpoch: -1, lastFetchedEpoch: -1 }));
    const response = await consumer.fetch({ node, topics: [{ topicId: topic.id, partitions }], maxWaitTime: 100, isolationLevel: READ_COMMITTED });
    const values: Buffer[] = [];
    for (const answer of response.responses[0]?.partitions ?? []) {
      for (const batch of answer.records ?? []) {
        next[answer.partitionIndex] = batch.firstOffset + BigInt(batch.lastOffsetDelta) + 1n;
        if ((batch.attributes & CONTROL) === 0) for (const record of batch.records) values.push(record.value!);
      }
    }
    read += values.length;
    if (values.length > 0) yield values;
  }
}

/** Reads the input with the low-level fetch (fetchValues), JSON.parse of every value. */
export async function platformaticFetchConsume(spec: RunSpec): Promise<ClientFigures> {
  const { Consumer } = await load(spec);
  const consumer = new Consumer(consumerOptions(spec));
  try {
    const meter = new Meter(spec.records);
    let parsed = 0;
    for await (const values of fetchValues(consumer, spec)) {
      for (const value of values) parsed += (JSON.parse(value.toString()) as { seq: number }).seq >= 0 ? 1 : 0;
      meter.count(values.length);
    }
    const figures = await meter.done;
    if (parsed < spec.records) throw new Error(`platformatic fetch consume parsed ${parsed} of ${spec.records}`);
    return figures;
  } finally {
    await consumer.close(true);
  }
}

/**
 * The repartition hop over the low-level fetch: each response → parse → re-key → sends, the next
 * fetch once they are acknowledged. No group and no commits (a commit a second costs next to
 * nothing per record): the ceiling a driver with its own fetch loop could reach.
 */
export async function platformaticFetchLoop(spec: RunSpec): Promise<ClientFigures> {
  const { Consumer, Producer } = await load(spec);
  const consumer = new Consumer(consumerOptions(spec));
  const producer = new Producer({ ...base(spec), idempotent: true, acks: ACKS_ALL });
  try {
    const meter = new Meter(spec.records);
    for await (const values of fetchValues(consumer, spec)) {
      meter.start();
      const messages = values.map((value) => ({ topic: spec.output, ...transform(value) }));
      for (let at = 0; at < messages.length; at += SEND_MAX) await producer.send({ messages: messages.slice(at, at + SEND_MAX), acks: ACKS_ALL });
      meter.count(values.length);
    }
    return await meter.done;
  } finally {
    await producer.close();
    await consumer.close(true);
  }
}

/**
 * The repartition hop: the records each fetch delivered (gathered until the event loop turns) →
 * parse → re-key → one send, sends chained in order, the stream paused while two are queued;
 * offsets of sent records committed every second.
 */
export async function platformaticLoop(spec: RunSpec): Promise<ClientFigures> {
  const { Consumer, Producer } = await load(spec);
  const consumer = new Consumer(consumerOptions(spec));
  const producer = new Producer({ ...base(spec), idempotent: true, acks: ACKS_ALL });
  const sent = new Map<string, CommitOffset>();
  const committer = setInterval(() => {
    const offsets = [...sent.values()];
    sent.clear();
    if (offsets.length > 0) consumer.commit({ offsets }).catch(() => undefined);
  }, 1000);
  try {
    const meter = new Meter(spec.records);
    const stream = await consumer.consume({ topics: [spec.input], mode: 'earliest' });
    let failure: (error: unknown) => void = () => undefined;
    const failed = new Promise<never>((_, reject) => (failure = reject));
    stream.on('error', failure);
    let pending: Message[] = [];
    let queued = 0;
    let chain: Promise<unknown> = Promise.resolve();
    const flush = (): void => {
      const batch = pending;
      pending = [];
      meter.start();
      const messages = batch.map((m) => ({ topic: spec.output, ...transform(m.value!) }));
      if (++queued >= 2) stream.pause();
      chain = chain
        .then(async () => {
          // A fetch brings up to 1 MiB per partition; one send of it all would pass max.message.bytes.
          for (let at = 0; at < messages.length; at += SEND_MAX) await producer.send({ messages: messages.slice(at, at + SEND_MAX), acks: ACKS_ALL });
        })
        .then(() => {
          for (const m of batch) sent.set(`${m.topic}:${m.partition}`, { topic: m.topic, partition: m.partition, offset: m.offset + 1n, leaderEpoch: m.leaderEpoch });
          meter.count(batch.length);
          if (--queued < 2) stream.resume();
        }, failure);
    };
    stream.on('data', (message) => {
      if (pending.push(message) === 1) setImmediate(flush);
    });
    const figures = await Promise.race([within(meter, spec.timeoutMs, 'platformatic loop'), failed]);
    await stream.close();
    return figures;
  } finally {
    clearInterval(committer);
    await producer.close();
    await consumer.close(true);
  }
}
