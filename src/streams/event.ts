// An event: one record as one stream sees it — decoded key and value, the raw record, and one
// reference on the record's acknowledgement. Acking releases that reference, once.
//
// A consumed record's event is built undecoded (`Event.undecoded`) and decoded when a reader takes
// it out of its channel (the conductor's take hook): a record buffered for a while then holds its
// bytes only, and the parsed value is born just before the handler uses it, so it dies young in
// V8's young generation instead of being promoted with the buffer and collected by a full GC.

import type { ConsumerRecord, Headers } from '../kafka/index.js';
import type { TrackedMessage } from './tracked-message.js';

/** What decodes an undecoded event's record (the conductor's, per subscription). */
export interface EventDecoder {
  /** The record's key and value; throws (e.g. a DecodeError) when it cannot. */
  decode(record: ConsumerRecord): { key: unknown; value: unknown };
}

export class Event<K = unknown, V = unknown> {
  #key: K;
  #value: V;
  /** Set until the record is decoded (see `decode`). */
  #decoder: EventDecoder | undefined;
  readonly message: ConsumerRecord;
  #tracked: TrackedMessage | undefined;
  readonly #delivery: TrackedMessage | undefined;
  #onAck: (() => void)[] | undefined;
  #isHeld = false;

  constructor(key: K, value: V, message: ConsumerRecord, tracked: TrackedMessage | undefined, delivery: TrackedMessage | undefined = tracked) {
    this.#key = key;
    this.#value = value;
    this.message = message;
    this.#tracked = tracked;
    this.#delivery = delivery;
  }

  /** An event of a consumed record whose key and value `decoder` decodes when it is taken (`decode`). */
  static undecoded(message: ConsumerRecord, tracked: TrackedMessage, decoder: EventDecoder): Event {
    const event = new Event<unknown, unknown>(undefined, undefined, message, tracked);
    event.#decoder = decoder;
    return event;
  }

  get key(): K {
    if (this.#decoder !== undefined) this.decode();
    return this.#key;
  }

  get value(): V {
    if (this.#decoder !== undefined) this.decode();
    return this.#value;
  }

  /** The decoder still to run on this event's record; undefined once decoded (or built decoded). */
  get decoder(): EventDecoder | undefined {
    return this.#decoder;
  }

  /**
   * Decodes the record's key and value, once; throws what the decoder throws (the event stays
   * undecoded). The conductor calls it as a reader takes the event, and applies the topic's
   * onDecodeError policy to a failure; `key` and `value` call it for an event read before that.
   */
  decode(): void {
    const decoder = this.#decoder;
    if (decoder === undefined) return;
    const decoded = decoder.decode(this.message);
    this.#key = decoded.key as K;
    this.#value = decoded.value as V;
    this.#decoder = undefined;
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
