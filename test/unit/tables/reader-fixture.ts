// The per-test fixture of the changelog reader tests: a fresh driver for each test, changelog
// topics, producers, readers that are stopped after the test even when it fails, and a recorder
// for what a handler was given. Used by the unit tests (memory driver) and the integration test.

import { afterEach, beforeEach } from 'node:test';
import { pino } from 'pino';
import type { Admin, Consumer, ConsumerOptions, KafkaDriver, ProducerRecord, RecordBatch, TopicPartition, TransactionalProducer } from '../../../src/kafka/index.js';
import { ChangelogReader, type ChangelogReaderOptions } from '../../../src/tables/index.js';
import { uniqueName } from '../../helpers/unique-name.js';
import { waitFor } from '../../helpers/wait-for.js';

/** A driver for one test, and what to do after closing it (drop a memory cluster). */
export interface TestDriver {
  readonly driver: KafkaDriver;
  readonly dispose?: () => void;
}

export interface ReaderFixture {
  readonly driver: KafkaDriver;
  /** How long to wait for records to arrive. */
  readonly deliveryTimeoutMs: number;
  admin(): Promise<Admin>;
  /** A compacted topic with a unique name starting with `prefix`. */
  createTopic(prefix: string, partitions: number): Promise<string>;
  produce(records: readonly ProducerRecord[]): Promise<void>;
  transactionalProducer(): Promise<TransactionalProducer>;
  /** A plain group consumer, stopped after the test. */
  consumer(options: ConsumerOptions): Promise<Consumer>;
  /** A reader of `topics` (not started) with a unique group; stopped after the test. */
  reader(topics: readonly string[], options?: Partial<ChangelogReaderOptions>): ChangelogReader;
  /** An abort signal aborted after the test, for catch-ups. */
  readonly signal: AbortSignal;
}

/** How long closing what a test opened may take before the hook fails instead of hanging. */
const CLEANUP_TIMEOUT_MS = 30_000;

/** Registers `beforeEach`/`afterEach` in the calling `describe`. */
export function readerFixture(makeDriver: () => TestDriver, deliveryTimeoutMs: number): ReaderFixture {
  let current: TestDriver | undefined;
  let cleanups: (() => Promise<unknown>)[] = [];
  let admin: Promise<Admin> | undefined;
  let producer: Promise<{ send(records: readonly ProducerRecord[]): Promise<unknown> }> | undefined;
  let aborter = new AbortController();

  beforeEach(() => {
    current = makeDriver();
    aborter = new AbortController();
  });

  afterEach(async () => {
    aborter.abort(new Error('the test ended'));
    const failures: unknown[] = [];
    for (const cleanup of cleanups.reverse()) await cleanup().catch((err: unknown) => failures.push(err));
    await current?.driver.close().catch((err: unknown) => failures.push(err));
    current?.dispose?.();
    cleanups = [];
    admin = undefined;
    producer = undefined;
    current = undefined;
    if (failures.length > 0) throw new AggregateError(failures, 'closing what the test opened failed');
  }, { timeout: CLEANUP_TIMEOUT_MS });

  const driver = (): KafkaDriver => {
    if (current === undefined) throw new Error('the reader fixture has no driver outside a test');
    return current.driver;
  };
  const track = async <T>(opening: Promise<T>, close: (opened: T) => Promise<unknown>): Promise<T> => {
    const opened = await opening;
    cleanups.push(() => close(opened));
    return opened;
  };

  const fixture: ReaderFixture = {
    get driver() {
      return driver();
    },
    get signal() {
      return aborter.signal;
    },
    deliveryTimeoutMs,
    admin() {
      admin ??= track(driver().admin(), (a) => a.close());
      return admin;
    },
    async createTopic(prefix, partitions) {
      const topic = uniqueName(prefix);
      await (await fixture.admin()).createTopics([{ topic, partitions, config: { 'cleanup.policy': 'compact' } }]);
      return topic;
    },
    async produce(records) {
      producer ??= track(driver().producer(), (p) => p.close());
      await (await producer).send(records);
    },
    transactionalProducer: () => track(driver().transactionalProducer(uniqueName('changelog-txn')), (p) => p.close()),
    consumer: (options) => track(driver().consumer(options), (c) => c.stop()),
    reader(topics, options = {}) {
      const reader = new ChangelogReader({
        driver: driver(),
        logger: pino({ level: 'silent' }),
        groupId: uniqueName('changelog-reader'),
        topics,
        ...options,
      });
      cleanups.push(() => reader.stop());
      return reader;
    },
  };
  return fixture;
}

/** Records every batch a handler was given; `hold` makes the handler wait before returning. */
export class BatchRecorder {
  readonly batches: RecordBatch[] = [];
  #hold: Promise<void> | undefined;

  readonly handler = async (batch: RecordBatch): Promise<void> => {
    this.batches.push(batch);
    if (this.#hold !== undefined) await this.#hold;
  };

  /** Every record's `offset=value`, in the order handled. */
  get values(): string[] {
    return this.batches.flatMap((b) => b.records.map((r) => `${r.offset}=${r.value?.toString() ?? 'null'}`));
  }

  get offsets(): bigint[] {
    return this.batches.flatMap((b) => b.records.map((r) => r.offset));
  }

  /** Makes the handler wait for `until` from the next batch on. */
  hold(until: Promise<void>): void {
    this.#hold = until;
  }

  /** Waits for at least `count` batches. */
  async untilBatches(count: number, timeoutMs: number): Promise<void> {
    await waitFor(() => this.batches.length >= count, { timeoutMs, message: () => `${count} batches (have ${this.batches.length})` });
  }
}

/** Waits until the reader's position of `tp` is `offset`. */
export async function untilPosition(reader: ChangelogReader, tp: TopicPartition, offset: bigint, timeoutMs: number): Promise<void> {
  await waitFor(() => {
    if (reader.state === 'crashed') throw new Error(`the reader crashed`);
    return reader.position(tp) === offset;
  }, { timeoutMs, message: () => `position ${offset} of ${tp.topic}[${tp.partition}] (at ${reader.position(tp)}, reader ${reader.state})` });
}

/** `count` records of `topic`/`partition` with values `<prefix>-<i>`. */
export function records(topic: string, partition: number, count: number, prefix = `p${partition}`): ProducerRecord[] {
  return Array.from({ length: count }, (_, i) => ({ topic, partition, key: Buffer.from(`k${i}`), value: Buffer.from(`${prefix}-${i}`) }));
}

/** `offset=value` strings for `records(...)` from `from` to `to` (exclusive). */
export function expectedValues(partition: number, from: number, to: number, prefix = `p${partition}`): string[] {
  return Array.from({ length: to - from }, (_, i) => `${from + i}=${prefix}-${from + i}`);
}
