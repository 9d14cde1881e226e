// Produce and consume throughput of one streamd driver through the port, measured the same way
// for every driver: records over the wall time from the first send (or first record) to the last.

import { performance } from 'node:perf_hooks';
import type { KafkaDriver, ProducerRecord } from '../src/kafka/index.js';
import { sendPipelined } from './pipelined-sends.js';

export interface Throughput {
  readonly records: number;
  readonly seconds: number;
  readonly recordsPerSec: number;
}

function rate(records: number, startMs: number, endMs: number): Throughput {
  const seconds = (endMs - startMs) / 1000;
  return { records, seconds, recordsPerSec: records / seconds };
}

/** Sends `records` values of `recordSize` bytes in batches, with a few batches in flight. */
export async function produceThroughput(driver: KafkaDriver, topic: string, records: number, recordSize: number): Promise<Throughput> {
  const batchSize = 10_000;
  const inFlight = 4;
  const value = Buffer.alloc(recordSize, 0x61);
  const batch: ProducerRecord[] = Array.from({ length: batchSize }, () => ({ topic, key: null, value }));
  const producer = await driver.producer({ acks: 'all' });
  try {
    const start = performance.now();
    const batches = function* (): Generator<ProducerRecord[]> {
      for (let sent = 0; sent < records; sent += batchSize) yield records - sent >= batchSize ? batch : batch.slice(0, records - sent);
    };
    await sendPipelined(producer, batches(), inFlight);
    return rate(records, start, performance.now());
  } finally {
    await producer.close();
  }
}

/** Reads `records` records of `topic` from the beginning with a fresh group; the clock starts at the first record. */
export async function consumeThroughput(driver: KafkaDriver, topic: string, records: number, groupId: string, timeoutMs = 300_000): Promise<Throughput> {
  const consumer = await driver.consumer({ groupId, maxWaitMs: 100, maxBytesPerPartition: 4 * 1_048_576 });
  try {
    let seen = 0;
    let start = 0;
    let resolveDone!: (endMs: number) => void;
    const done = new Promise<number>((resolve) => (resolveDone = resolve));
    await consumer.subscribe([topic]);
    await consumer.run((batch) => {
      if (seen === 0) start = performance.now();
      seen += batch.records.length;
      if (seen >= records) resolveDone(performance.now());
      return Promise.resolve();
    });
    const timer = AbortSignal.timeout(timeoutMs);
    const end = await Promise.race([
      done,
      new Promise<never>((_, reject) => timer.addEventListener('abort', () => reject(new Error(`consumed ${seen} of ${records} records in ${timeoutMs} ms`)))),
    ]);
    return rate(seen, start, end);
  } finally {
    await consumer.stop();
  }
}
