// An event: one record as one stream sees it — decoded key and value, the raw record, and one
// reference on the record's acknowledgement. Acking releases that reference, once.

import type { ConsumerRecord, Headers } from '../kafka/index.js';
import type { TrackedMessage } from './tracked-message.js';

export class Event<K = unknown, V = unknown> {
  readonly key: K;
  readonly value: V;
  readonly message: ConsumerRecord;
  #tracked: TrackedMessage | undefined;
  readonly #delivery: TrackedMessage | undefined;
  #onAck: (() => void)[] | undefined;
  #isHeld = false;

  constructor(key: K, value: V, message: ConsumerRecord, tracked: TrackedMessage | undefined, delivery: TrackedMessage | undefined = tracked) {
    this.key = key;
    this.value = value;
    this.message = message;
    this.#tracked = tracked;
    this.#delivery = delivery;
  }

  get headers(): Headers {
    return this.message.headers;
  }

  /** The delivered record's acknowledgement while this stream holds it (its partition's tracker says whether it was revoked). */
  get source(): TrackedMessage | undefined {
    return this.#tracked;
  }

  /**
   * How the record was delivered, kept after the ack: its partition of that generation (the
   * tracker) and its offset. Under exactly_once its sends belong to that tracker's outbox and to no
   * other: once the tracker is revoked they are dropped, even if the partition was assigned again.
   */
  get delivery(): TrackedMessage | undefined {
    return this.#delivery;
  }

  get isAcked(): boolean {
    return this.#tracked === undefined;
  }

  /**
   * Marks this stream done with the event. Returns false when it was already acked. The whenAcked
   * callbacks run before the record is released: releasing it can start a commit (commitEvery)
   * that snapshots offsets and table writes at once, and that snapshot must hold the event's writes
   * if it holds its offset.
   */
  ack(): boolean {
    const tracked = this.#tracked;
    if (tracked === undefined || this.#isHeld) return false;
    this.#tracked = undefined;
    const callbacks = this.#onAck;
    this.#onAck = undefined;
    if (callbacks !== undefined) for (const callback of callbacks) callback();
    tracked.release();
    return true;
  }

  /**
   * Holds the acknowledgement: `ack()` does nothing until `releaseHold()`. For an event that failed
   * in a way its topic's policy decides (a record too large to send): the stream's own ack, as the
   * handler unwinds, must not release it before the policy has (under `stop` it never is).
   */
  hold(): void {
    this.#isHeld = true;
  }

  /** Ends a hold and acks the event. */
  releaseHold(): boolean {
    this.#isHeld = false;
    return this.ack();
  }

  /**
   * Runs `callback` once, when this stream acks the event (at once if it already has). Tables use
   * it to make an event's writes committable only when the event is done.
   */
  whenAcked(callback: () => void): void {
    if (this.#tracked === undefined) {
      callback();
      return;
    }
    (this.#onAck ??= []).push(callback);
  }

  /** A copy carrying a new value and this event's acknowledgement (the original no longer acks). */
  withValue<U>(value: U): Event<K, U> {
    const tracked = this.#tracked;
    this.#tracked = undefined;
    const copy = new Event(this.key, value, this.message, tracked, this.#delivery);
    copy.#onAck = this.#onAck;
    this.#onAck = undefined;
    return copy;
  }
}
