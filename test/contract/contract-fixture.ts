// The per-test fixture of the driver contract suite: a fresh driver for each test, quick consumer
// timeouts, and cleanup of everything the test opened even when it fails. Used by *-contract.ts.

import { afterEach, beforeEach } from 'node:test';
import type {
  Admin,
  Consumer,
  ConsumerOptions,
  KafkaDriver,
  Producer,
  TopicSpec,
  TransactionalProducer,
} from '../../src/kafka/index.js';
import { uniqueName } from '../helpers/unique-name.js';

/**
 * Consumer timeouts for a test broker with `group.initial.rebalance.delay.ms=0`: rebalances take
 * about a heartbeat. Too low: members get evicted while a loaded machine stalls; too high: a test
 * waits that long for a member that left.
 */
export const FAST_CONSUMER = {
  sessionTimeoutMs: 6000,
  heartbeatIntervalMs: 500,
  rebalanceTimeoutMs: 10_000,
  maxWaitMs: 100,
} as const satisfies Partial<ConsumerOptions>;

/** Per-test deadline. The whole suite should stay well under two minutes against a real broker. */
export const TEST_TIMEOUT_MS = 60_000;
/** How long to wait for records to arrive. */
export const DELIVERY_TIMEOUT_MS = 20_000;
/** How long to wait for a group to settle after a member joins or leaves. */
export const REBALANCE_TIMEOUT_MS = 30_000;
/** How long closing what one test opened may take before the hook fails instead of hanging. */
const CLEANUP_TIMEOUT_MS = 30_000;

/** What a contract test gets: the current test's driver and factories whose products are closed after it. */
export interface ContractContext {
  readonly driver: KafkaDriver;
  admin(): Promise<Admin>;
  producer(): Promise<Producer>;
  transactionalProducer(transactionalId: string): Promise<TransactionalProducer>;
  /** A consumer with `FAST_CONSUMER` timeouts; stopped after the test unless the test stopped it. */
  consumer(options: Partial<ConsumerOptions> & { readonly groupId: string }): Promise<Consumer>;
  /** Creates a topic with a unique name starting with `prefix`; returns the name. */
  createTopic(prefix: string, partitions: number, config?: TopicSpec['config']): Promise<string>;
}

/** Registers `beforeEach`/`afterEach` in the calling `describe` and returns the context they manage. */
export function contractFixture(makeDriver: () => KafkaDriver): ContractContext {
  let current: KafkaDriver | undefined;
  let admin: Promise<Admin> | undefined;
  let cleanups: (() => Promise<void>)[] = [];

  beforeEach(() => {
    current = makeDriver();
  });

  afterEach(async () => {
    const failures: unknown[] = [];
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (err) {
        failures.push(err);
      }
    }
    try {
      await current?.close();
    } catch (err) {
      failures.push(err);
    }
    cleanups = [];
    admin = undefined;
    current = undefined;
    if (failures.length > 0) throw new AggregateError(failures, 'closing what the test opened failed');
  }, { timeout: CLEANUP_TIMEOUT_MS });

  const driver = (): KafkaDriver => {
    if (current === undefined) throw new Error('the contract fixture has no driver outside a test');
    return current;
  };
  const track = async <T>(opening: Promise<T>, close: (opened: T) => Promise<void>): Promise<T> => {
    const opened = await opening;
    cleanups.push(() => close(opened));
    return opened;
  };

  const context: ContractContext = {
    get driver() {
      return driver();
    },
    admin() {
      admin ??= track(driver().admin(), (a) => a.close());
      return admin;
    },
    producer: () => track(driver().producer(), (p) => p.close()),
    transactionalProducer: (id) => track(driver().transactionalProducer(id), (p) => p.close()),
    consumer: (options) => track(driver().consumer({ ...FAST_CONSUMER, ...options }), (c) => c.stop()),
    async createTopic(prefix, partitions, config) {
      const topic = uniqueName(prefix);
      const a = await context.admin();
      await a.createTopics([config === undefined ? { topic, partitions } : { topic, partitions, config }]);
      return topic;
    },
  };
  return context;
}

/** A buffer as a readable, exact string: latin1 when printable ASCII, else `hex:…`; `null` stays null. */
export function bytes(buffer: Buffer | null): string | null {
  if (buffer === null) return null;
  const text = buffer.toString('latin1');
  return /^[\x20-\x7e]*$/.test(text) ? text : `hex:${buffer.toString('hex')}`;
}

/** `topic/partition` strings, sorted, for comparing assignments. */
export function partitionNames(partitions: readonly { readonly topic: string; readonly partition: number }[]): string[] {
  return partitions.map((p) => `${p.topic}/${p.partition}`).sort();
}
