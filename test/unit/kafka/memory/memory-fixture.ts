// Shared setup of the memory driver's unit tests: a driver on a cluster of its own, closed and
// dropped after each test, plus a deferred promise for handlers a test wants to hold.

import { afterEach } from 'node:test';
import { createMemoryDriver, dropMemoryCluster } from '../../../../src/kafka/drivers/memory/index.js';
import type { DriverOptions } from '../../../../src/kafka/index.js';
import type { ConsumerOptions, KafkaDriver } from '../../../../src/kafka/types.js';
import { uniqueName } from '../../../helpers/unique-name.js';

/** Consumer timeouts for in-process tests. maxWaitMs is long on purpose: delivery must not depend on it. */
export const QUICK = { rebalanceTimeoutMs: 5_000, maxWaitMs: 30_000 } as const satisfies Partial<ConsumerOptions>;

/** How long a test waits for something that should happen at once. */
export const SOON_MS = 2_000;

/** What a test gets from `memoryFixture()`. */
export interface MemoryFixture {
  /** A driver on a fresh cluster, and that cluster's name. */
  open(options?: DriverOptions): { driver: KafkaDriver; cluster: string };
  /** Another driver on the named cluster. */
  driver(cluster: string, options?: DriverOptions): KafkaDriver;
}

/** Registers cleanup in the calling suite: every driver is closed and its cluster dropped after each test. */
export function memoryFixture(): MemoryFixture {
  let opened: { driver: KafkaDriver; cluster: string }[] = [];
  afterEach(async () => {
    const closing = opened;
    opened = [];
    await Promise.all(closing.map(({ driver }) => driver.close()));
    for (const { cluster } of closing) dropMemoryCluster(cluster);
  });
  const driver = (cluster: string, options: DriverOptions = {}): KafkaDriver => {
    const created = createMemoryDriver(cluster, options);
    opened.push({ driver: created, cluster });
    return created;
  };
  return {
    open: (options = {}) => {
      const cluster = uniqueName('unit');
      return { driver: driver(cluster, options), cluster };
    },
    driver,
  };
}

/** A promise and the functions that settle it. */
export interface Deferred<T = void> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: Error): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A value as a Buffer. */
export function buffer(text: string): Buffer {
  return Buffer.from(text);
}
