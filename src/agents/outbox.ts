// The port through which agents send: encodes with the target topic's codecs and enqueues on the
// worker's producer, waiting only when the producer has no room (backpressure).

import type { Event } from '../streams/index.js';

export interface OutboxMessage {
  readonly value: unknown;
  /** A key to encode with the topic's key codec. */
  readonly key?: unknown;
  /** Key bytes to send as they are (the source event's key), used when `key` is undefined. */
  readonly rawKey?: Buffer | null;
  readonly headers?: Readonly<Record<string, string | Buffer>>;
  /**
   * The event whose processing sends it. Under exactly_once the record joins the transaction of
   * that event's input partition; without one (timers, tasks, views) it is sent at-least-once.
   */
  readonly event?: Event;
  /** The partition to write to; absent: the key's partition (or round-robin without a key). */
  readonly partition?: number;
  /** The record's create time (ms since the epoch, or a Date); absent: the producer's clock. */
  readonly timestamp?: number | Date;
}

export interface Outbox {
  send(topic: string, message: OutboxMessage): Promise<void>;
  /**
   * `send` for the per-record path (groupBy, through, echo): undefined when the record was enqueued
   * at once and there is nothing to wait for, so a forwarding loop pays no promise for it; a
   * promise when it must wait (room in the producer, a topic's first size limit) or failed.
   * Absent: `send` is used.
   */
  trySend?(topic: string, message: OutboxMessage): Promise<void> | undefined;
}
