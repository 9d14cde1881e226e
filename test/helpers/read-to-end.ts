// Reads a topic the way a test checks what an app left there: a consumer of its own reads from the
// start until its position on every partition has reached the end offset taken when the read began
// (so it ends however many records a partition holds, none included), under either isolation level.

import type { ConsumerRecord, Isolation, KafkaDriver } from '../../src/kafka/index.js';
import { uniqueName } from './unique-name.js';
import { waitFor } from './wait-for.js';

export interface ReadToEndOptions {
  readonly timeoutMs: number;
  readonly isolation?: Isolation;
  /** Called with each record below its partition's end, in partition order (default: they are returned). */
  readonly onRecord?: (record: ConsumerRecord) => void;
}

/** The records read (none when `onRecord` took them) and the end offsets read to. */
export async function readToEnd(driver: KafkaDriver, topic: string, options: ReadToEndOptions): Promise<{ records: ConsumerRecord[]; ends: Map<number, bigint> }> {
  const admin = await driver.admin();
  const offsets = await admin.offsets(topic).finally(() => admin.close());
  const ends = new Map(offsets.map((p) => [p.partition, p.latest]));
  // A partition whose records were deleted (or never written) starts at its earliest offset.
  const positions = new Map(offsets.map((p) => [p.partition, p.earliest]));
  const records: ConsumerRecord[] = [];
  const onRecord = options.onRecord ?? ((record: ConsumerRecord) => void records.push(record));
  const isDone = (): boolean => [...ends].every(([partition, end]) => (positions.get(partition) ?? 0n) >= end);
  if (isDone()) return { records, ends };
  const consumer = await driver.consumer({
    groupId: uniqueName('read-to-end'),
    autoOffsetReset: 'earliest',
    ...(options.isolation === undefined ? {} : { isolation: options.isolation }),
    maxWaitMs: 100,
    maxBytesPerPartition: 8 * 1024 * 1024,
    sessionTimeoutMs: 10_000,
    heartbeatIntervalMs: 1000,
  });
  let crash: Error | undefined;
  consumer.on('crashed', (err) => (crash ??= err));
  try {
    await consumer.subscribe([topic]);
    await consumer.run((batch) => {
      const end = ends.get(batch.partition) ?? 0n;
      for (const record of batch.records) if (record.offset < end) onRecord(record);
      if (batch.nextOffset > (positions.get(batch.partition) ?? 0n)) positions.set(batch.partition, batch.nextOffset);
      return Promise.resolve();
    });
    await waitFor(() => crash !== undefined || isDone(), {
      timeoutMs: options.timeoutMs,
      intervalMs: 50,
      message: () => `reading ${topic} ${options.isolation ?? ''} to its end offsets ${[...ends].map(([p, e]) => `${p}:${positions.get(p) ?? 0n}/${e}`).join(' ')}`,
    });
    if (crash !== undefined) throw new Error(`the reader of ${topic} crashed: ${crash.message}`, { cause: crash });
  } finally {
    await consumer.stop();
  }
  return { records, ends };
}
