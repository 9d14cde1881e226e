// Reads a topic from the beginning to the end offsets it had when the read began, with a fresh group:
// how the peers bench reads a peer's changelog (its final table) and the B3 input (its window truth).

import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin, ConsumerRecord, KafkaDriver } from '../../src/kafka/index.js';

const READ_TIMEOUT_MS = 120_000;

/** Calls `onRecord` for every record of `topic` up to its current end offsets, in offset order per partition. */
export async function readTopicToEnd(driver: KafkaDriver, admin: Admin, topic: string, groupId: string, onRecord: (record: ConsumerRecord) => void): Promise<void> {
  const ends = new Map((await admin.offsets(topic)).map((p) => [p.partition, p.latest]));
  const reached = new Map<number, bigint>();
  const isDone = (): boolean => [...ends].every(([partition, end]) => end === 0n || (reached.get(partition) ?? 0n) >= end);
  if (isDone()) return;
  const consumer = await driver.consumer({ groupId, isolation: 'read_uncommitted', autoOffsetReset: 'earliest', maxWaitMs: 100 });
  try {
    let failed: Error | undefined;
    consumer.on('crashed', (error) => (failed = error));
    await consumer.subscribe([topic]);
    void consumer
      .run((batch) => {
        const end = ends.get(batch.partition) ?? 0n;
        for (const record of batch.records) if (record.offset < end) onRecord(record);
        reached.set(batch.partition, batch.nextOffset);
        return Promise.resolve();
      })
      .catch((error: unknown) => (failed = error instanceof Error ? error : new Error(String(error))));
    const deadline = performance.now() + READ_TIMEOUT_MS;
    while (!isDone()) {
      if (failed !== undefined) throw failed;
      if (performance.now() > deadline) throw new Error(`reading ${topic} did not reach its end offsets in ${READ_TIMEOUT_MS} ms`);
      await sleep(100);
    }
  } finally {
    await consumer.stop();
  }
}
