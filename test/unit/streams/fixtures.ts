// Test doubles for the stream engine tests: consumer records, tracked events on a real
// PartitionTracker, and a fake StreamEnvironment that records what a stream asks of its agent.

import { setImmediate as nextTurn } from 'node:timers/promises';
import type { ConsumerRecord, Headers } from '../../../src/kafka/index.js';
import { Channel, Event, PartitionTracker, type StreamEnvironment } from '../../../src/streams/index.js';

export const TOPIC = 'orders';

/** A consumer record of `TOPIC` partition 0 unless told otherwise; key and value as JSON text. */
export function record(
  offset: number | bigint,
  options: { key?: string | null; value?: unknown; topic?: string; partition?: number; headers?: Headers; raw?: Buffer | null } = {},
): ConsumerRecord {
  const value = options.raw !== undefined ? options.raw : Buffer.from(JSON.stringify(options.value ?? { offset: Number(offset) }));
  return {
    topic: options.topic ?? TOPIC,
    partition: options.partition ?? 0,
    offset: BigInt(offset),
    key: options.key === null ? null : Buffer.from(options.key ?? `k${offset}`),
    value,
    headers: options.headers ?? {},
    timestamp: 1_700_000_000_000 + Number(offset),
  };
}

/**
 * A partition of delivered events: each `event(value)` tracks the next offset on a real
 * PartitionTracker with one reference, so a test reads acks off `committable()`.
 */
export class Delivery {
  readonly tracker: PartitionTracker;
  readonly settled: number[] = [];
  #next = 0;

  constructor(topic = TOPIC, partition = 0) {
    this.tracker = new PartitionTracker(topic, partition, (count) => this.settled.push(count));
  }

  /** A new tracked event at the next offset, keyed `k<offset>` unless `key` is given. */
  event<V>(value: V, key: string = `k${this.#next}`): Event<string, V> {
    const offset = this.#next++;
    const message = record(offset, { key, value, topic: this.tracker.topic, partition: this.tracker.partition });
    return new Event(key, value, message, this.tracker.track(BigInt(offset), 1));
  }

  /** Pushes one tracked event per value into `channel`; returns the events. */
  push<V>(channel: Channel, ...values: V[]): Event<string, V>[] {
    return values.map((value) => {
      const event = this.event(value);
      channel.push(event);
      return event;
    });
  }

  /** The offset a commit would write now (the first unacked, or the one after the last). */
  get committable(): bigint | undefined {
    return this.tracker.committable();
  }
}

/** What a stream sent through its environment. */
export interface SentValue {
  readonly topic: string;
  readonly value: unknown;
  readonly options: { key?: unknown; event?: Event; origin?: Event };
}

/** A StreamEnvironment that records sends, pumps, repartition/through lookups and current events. */
export class FakeEnvironment implements StreamEnvironment {
  readonly controller = new AbortController();
  readonly sent: SentValue[] = [];
  readonly currents: (Event | undefined)[] = [];
  readonly pumpNames: string[] = [];
  readonly pumpErrors: unknown[] = [];
  readonly repartitions: { name: string; partitions: number | undefined }[] = [];
  readonly channels = new Map<string, Channel>();
  /** Replaces the default send (which records and resolves). */
  onSend: ((sent: SentValue) => Promise<void>) | undefined;
  readonly #pumps: Promise<void>[] = [];

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  send(topic: string, value: unknown, options: { key?: unknown; event?: Event; origin?: Event }): Promise<void> {
    const sent = { topic, value, options };
    this.sent.push(sent);
    return this.onSend === undefined ? Promise.resolve() : this.onSend(sent);
  }

  repartition(name: string, partitions: number | undefined): { topic: string; channel: Channel } {
    this.repartitions.push({ name, partitions });
    const topic = `app-agent-${name}-repartition`;
    return { topic, channel: this.channel(topic) };
  }

  subscription(topic: string): Channel {
    return this.channel(topic);
  }

  /** The channel of `topic`, made on first use. */
  channel(topic: string): Channel {
    let channel = this.channels.get(topic);
    if (channel === undefined) {
      channel = new Channel(topic);
      this.channels.set(topic, channel);
    }
    return channel;
  }

  pump(name: string, loop: () => Promise<void>): void {
    this.pumpNames.push(name);
    this.#pumps.push(loop().catch((err: unknown) => void this.pumpErrors.push(err)));
  }

  current(event: Event | undefined): void {
    this.currents.push(event);
  }

  /** Aborts the signal and waits for every pump to end. */
  async stop(): Promise<void> {
    this.controller.abort();
    await Promise.all(this.#pumps);
  }
}

/** Pulls every value out of an async iterable. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of iterable) out.push(value);
  return out;
}

/** Whether `promise` has settled after a few turns of the event loop (no timers involved). */
export async function isSettled(promise: Promise<unknown>, turns = 5): Promise<boolean> {
  let settled = false;
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; i < turns && !settled; i++) await nextTurn();
  return settled;
}

/** Deadline for `waitFor` in these tests: everything runs in memory. */
export const WAIT = { timeoutMs: 2_000, intervalMs: 1 } as const;
