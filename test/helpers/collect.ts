// Runs a consumer and keeps every record, batch and event it sees, so a test can wait for a
// condition on what arrived. Used by the driver contract suite and integration tests.

import type { AssignedEvent, Consumer, ConsumerRecord, RecordBatch } from '../../src/kafka/index.js';
import { waitFor } from './wait-for.js';

/** What a running consumer has delivered so far. */
export interface RecordCollector {
  readonly consumer: Consumer;
  /** Every record in delivery order. */
  readonly records: readonly ConsumerRecord[];
  readonly batches: readonly RecordBatch[];
  /** Every `assigned` event, oldest first. */
  readonly assignedEvents: readonly AssignedEvent[];
  /** Batches that broke the port's promises (mixed partitions, offsets not ascending). Tests assert it stays empty. */
  readonly violations: readonly string[];
  /** Set once the consumer emitted `crashed`. */
  readonly crash: Error | undefined;
  /** The records of one partition, in delivery order. */
  recordsOf(topic: string, partition: number): ConsumerRecord[];
  /**
   * Resolves once `condition` holds for the records so far; rejects if the consumer crashes or
   * `timeoutMs` passes (the message says what was awaited and what had arrived).
   */
  until(condition: (records: readonly ConsumerRecord[]) => boolean, options: UntilOptions): Promise<readonly ConsumerRecord[]>;
  /** `until` at least `count` records have arrived. */
  untilCount(count: number, options: Omit<UntilOptions, 'message'> & { readonly message?: string }): Promise<readonly ConsumerRecord[]>;
}

export interface UntilOptions {
  readonly timeoutMs: number;
  readonly message: string;
}

/** Called with each batch after the collector stored it, still inside the consumer's handler. */
export type BatchObserver = (batch: RecordBatch) => void | Promise<void>;

/** Subscribes `consumer` to `topics`, runs it, and collects what it delivers. */
export async function collectRecords(
  consumer: Consumer,
  topics: readonly (string | RegExp)[],
  options: { readonly onBatch?: BatchObserver } = {},
): Promise<RecordCollector> {
  const records: ConsumerRecord[] = [];
  const batches: RecordBatch[] = [];
  const assignedEvents: AssignedEvent[] = [];
  const violations: string[] = [];
  let crash: Error | undefined;
  consumer.on('assigned', (event) => assignedEvents.push(event));
  consumer.on('crashed', (err) => {
    crash ??= err;
  });

  await consumer.subscribe(topics);
  await consumer.run(async (batch) => {
    violations.push(...batchViolations(batch));
    batches.push(batch);
    records.push(...batch.records);
    await options.onBatch?.(batch);
  });

  const collector: RecordCollector = {
    consumer,
    records,
    batches,
    assignedEvents,
    violations,
    get crash() {
      return crash;
    },
    recordsOf: (topic, partition) => records.filter((r) => r.topic === topic && r.partition === partition),
    async until(condition, untilOptions) {
      const outcome = await waitFor(
        () => (crash !== undefined ? 'crashed' : condition(records) && 'held'),
        {
          timeoutMs: untilOptions.timeoutMs,
          intervalMs: 20,
          message: () => `${untilOptions.message} (received ${records.length} records: ${summarize(records)})`,
        },
      );
      if (outcome === 'crashed' && crash !== undefined) {
        throw new Error(`the consumer crashed while waiting for ${untilOptions.message}: ${crash.message}`, { cause: crash });
      }
      return records;
    },
    untilCount(count, untilOptions) {
      return collector.until((all) => all.length >= count, {
        timeoutMs: untilOptions.timeoutMs,
        message: untilOptions.message ?? `${count} records`,
      });
    },
  };
  return collector;
}

function batchViolations(batch: RecordBatch): string[] {
  const where = `${batch.topic}/${batch.partition}`;
  const found: string[] = [];
  let previous: bigint | undefined;
  for (const record of batch.records) {
    if (record.topic !== batch.topic || record.partition !== batch.partition) {
      found.push(`batch of ${where} holds a record of ${record.topic}/${record.partition}`);
    }
    if (previous !== undefined && record.offset <= previous) {
      found.push(`batch of ${where}: offset ${record.offset} follows ${previous}`);
    }
    if (batch.nextOffset <= record.offset) {
      found.push(`batch of ${where}: nextOffset ${batch.nextOffset} is not past offset ${record.offset}`);
    }
    if (batch.highWatermark <= record.offset) {
      found.push(`batch of ${where}: high watermark ${batch.highWatermark} is not past offset ${record.offset}`);
    }
    previous = record.offset;
  }
  return found;
}

/** `topic/partition: first..last (count)` per partition, for timeout messages. */
export function summarize(records: readonly ConsumerRecord[]): string {
  const parts = new Map<string, bigint[]>();
  for (const r of records) {
    const key = `${r.topic}/${r.partition}`;
    const offsets = parts.get(key) ?? [];
    offsets.push(r.offset);
    parts.set(key, offsets);
  }
  if (parts.size === 0) return 'none';
  return [...parts]
    .map(([key, offsets]) => `${key}: ${offsets[0]}..${offsets[offsets.length - 1]} (${offsets.length})`)
    .join(', ');
}
