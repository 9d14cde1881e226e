// The three client-bench runs on raw kafkajs 2.2.4, configured as streamd's kafkajs driver is:
// idempotent producer (acks=all, one request in flight), read_committed consumer, eachBatch.

import kafkajs from 'kafkajs';
import { Meter, pageViews, transform, within, type ClientFigures } from './meter.js';
import type { RunSpec } from './run-spec.js';

const BATCH = 10_000;

function client(spec: RunSpec): kafkajs.Kafka {
  return new kafkajs.Kafka({ clientId: 'streamd-bench', brokers: [spec.bootstrap], logLevel: kafkajs.logLevel.NOTHING });
}

function idempotentProducer(kafka: kafkajs.Kafka): kafkajs.Producer {
  return kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
}

/** Sends `spec.records` keyed page views in batches of 10,000, one send after the other (as streamd's producer orders them). */
export async function kafkajsProduce(spec: RunSpec): Promise<ClientFigures> {
  const producer = idempotentProducer(client(spec));
  await producer.connect();
  try {
    const views = pageViews(BATCH);
    const meter = new Meter(spec.records);
    meter.start();
    for (let sent = 0; sent < spec.records; sent += BATCH) {
      const messages = views.slice(0, Math.min(BATCH, spec.records - sent));
      await producer.send({ topic: spec.output, messages, acks: -1 });
      meter.count(messages.length);
    }
    return await meter.done;
  } finally {
    await producer.disconnect();
  }
}

/** Reads the input from the beginning with a fresh group, JSON.parse of every value. */
export async function kafkajsConsume(spec: RunSpec): Promise<ClientFigures> {
  const consumer = client(spec).consumer({ groupId: spec.group, maxWaitTimeInMs: 100, maxBytesPerPartition: 1_048_576 });
  await consumer.connect();
  try {
    const meter = new Meter(spec.records);
    let parsed = 0;
    await consumer.subscribe({ topics: [spec.input], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: ({ batch }) => {
        for (const m of batch.messages) parsed += (JSON.parse(m.value!.toString()) as { seq: number }).seq >= 0 ? 1 : 0;
        meter.count(batch.messages.length);
        return Promise.resolve();
      },
    });
    const figures = await within(meter, spec.timeoutMs, 'kafkajs consume');
    if (parsed < spec.records) throw new Error(`kafkajs consume parsed ${parsed} of ${spec.records}`);
    return figures;
  } finally {
    await consumer.disconnect();
  }
}

/** The repartition hop: eachBatch → parse → re-key → one send per batch → commit every second. */
export async function kafkajsLoop(spec: RunSpec): Promise<ClientFigures> {
  const kafka = client(spec);
  const producer = idempotentProducer(kafka);
  const consumer = kafka.consumer({ groupId: spec.group, maxWaitTimeInMs: 100, maxBytesPerPartition: 1_048_576 });
  await Promise.all([producer.connect(), consumer.connect()]);
  try {
    const meter = new Meter(spec.records);
    await consumer.subscribe({ topics: [spec.input], fromBeginning: true });
    await consumer.run({
      autoCommit: true,
      autoCommitInterval: 1000,
      eachBatch: async (payload) => {
        meter.start();
        const messages = payload.batch.messages.map((m) => transform(m.value!));
        await producer.send({ topic: spec.output, messages, acks: -1 });
        payload.resolveOffset(payload.batch.lastOffset());
        meter.count(messages.length);
        await payload.heartbeat();
      },
    });
    return await within(meter, spec.timeoutMs, 'kafkajs loop');
  } finally {
    await consumer.disconnect();
    await producer.disconnect();
  }
}
