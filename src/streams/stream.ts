// Stream: what an agent iterates. Faust's operations (filter, map, groupBy, through, echo, take,
// enumerate, items, events, noack) over a channel, with Faust's acking rule: moving to the next
// event acks the previous one. filter/map/echo are fused into one iterator: one await per event.

import { setTimeout as sleep } from 'node:timers/promises';
import { StreamdError } from '../errors/index.js';
import type { Channel } from './channel.js';
import type { Event } from './event.js';

/** A failure inside an operator's pump (e.g. a groupBy key function), with the event it was on. */
export class StreamOperatorError extends StreamdError {
  readonly event: Event | undefined;

  constructor(operator: string, event: Event | undefined, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super('STREAMD_STREAM_OPERATOR', `${operator} failed: ${reason}`, { cause });
    this.event = event;
  }
}

/** An iterator that can also answer at once: `poll()` is the next result when one is at hand, else undefined (call `next()`). */
interface PollingIterator<T> extends AsyncIterator<T> {
  poll(): IteratorResult<T> | undefined;
  return(): Promise<IteratorResult<T>>;
}

/** Returned by an operator to drop the event (it is acked at once). */
const SKIP: unique symbol = Symbol('skip');
type Step = (value: unknown, event: Event) => unknown;

/** What a stream needs from the agent running it. */
export interface StreamEnvironment {
  readonly signal: AbortSignal;
  /**
   * Enqueues a value for `topic`, keyed by `key` (or by the raw key bytes of `event` when key is
   * undefined). `origin` is the upstream event a groupBy/through forwards: its position travels
   * in a header, so tables downstream can tell a record sent twice. Undefined when the record was
   * enqueued at once and there is nothing to wait for; a promise otherwise (room, a failure).
   */
  send(topic: string, value: unknown, options: { key?: unknown; event?: Event; origin?: Event }): Promise<void> | undefined;
  /** The channel of a repartition topic declared at boot by `groupBy(…, { name })`. */
  repartition(name: string, partitions: number | undefined): { topic: string; channel: Channel };
  /** The channel of a declared topic, for `through`. */
  subscription(topic: string): Channel;
  /** Runs a background pump for as long as the actor runs; its failure fails the actor. */
  pump(name: string, loop: () => Promise<void>): void;
  /** Told which event the actor is processing (for `currentEvent()` and error reports). */
  current(event: Event | undefined): void;
}

export interface GroupByOptions {
  /** Required: the suffix of the repartition topic `<id>-<agent>-<name>-repartition`; unique per agent. */
  readonly name: string;
  readonly partitions?: number;
}

export class Stream<V = unknown> implements AsyncIterable<V> {
  readonly #channel: Channel;
  readonly #env: StreamEnvironment;
  readonly #steps: readonly Step[];
  readonly #acks: boolean;
  #current: Event | undefined;

  constructor(channel: Channel, env: StreamEnvironment, steps: readonly Step[] = [], acks = true) {
    this.#channel = channel;
    this.#env = env;
    this.#steps = steps;
    this.#acks = acks;
  }

  /** The event whose value the iteration last produced. */
  get currentEvent(): Event | undefined {
    return this.#current;
  }

  #derive<U>(step: Step): Stream<U> {
    return new Stream<U>(this.#channel, this.#env, [...this.#steps, step], this.#acks);
  }

  /** Keeps the values for which `predicate` holds; the others are acked and dropped. */
  filter(predicate: (value: V) => boolean | Promise<boolean>): Stream<V> {
    return this.#derive((value) => {
      const kept = predicate(value as V);
      return kept instanceof Promise ? kept.then((k) => (k ? value : SKIP)) : kept ? value : SKIP;
    });
  }

  map<U>(fn: (value: V) => U | Promise<U>): Stream<Awaited<U>> {
    return this.#derive((value) => fn(value as V));
  }

  /** Sends every value to `topics` as well, and goes on with the same values. */
  echo(...topics: string[]): Stream<V> {
    return this.#derive(async (value, event) => {
      await Promise.all(topics.map((topic) => Promise.resolve(this.#env.send(topic, value, { event }))));
      return value;
    });
  }

  /** A stream with manual acks: call `ack(event)` (or `event.ack()`) yourself. */
  noack(): Stream<V> {
    return new Stream<V>(this.#channel, this.#env, this.#steps, false);
  }

  ack(event: Event): boolean {
    return event.ack();
  }

  /**
   * Repartitions by a new key: every value goes to `<id>-<agent>-<name>-repartition`, keyed by
   * `key(value)`, and the returned stream reads this worker's partitions of that topic.
   */
  groupBy(key: (value: V) => unknown, options: GroupByOptions): Stream<V> {
    const { topic, channel } = this.#env.repartition(options.name, options.partitions);
    this.#forward(`groupBy ${options.name}`, topic, key);
    return new Stream<V>(channel, this.#env, [], this.#acks);
  }

  /** Forwards every value to `topic` and returns a stream reading that topic. */
  through(topic: string): Stream<V> {
    const channel = this.#env.subscription(topic);
    this.#forward(`through ${topic}`, topic, undefined);
    return new Stream<V>(channel, this.#env, [], this.#acks);
  }

  /**
   * The pump behind groupBy and through. Its stream must not report its events as the actor's
   * current one (the handler's own stream does); when it fails, it acks the event it was on and
   * fails with that event's position.
   */
  #forward(name: string, topic: string, key: ((value: V) => unknown) | undefined): void {
    const env = this.#env;
    const quiet: StreamEnvironment = { ...withSignal(env, env.signal), current: () => undefined };
    const upstream = new Stream<V>(this.#channel, quiet, this.#steps, true);
    env.pump(name, async () => {
      const iterator = upstream.#iterate((value, event) => [value as V, event])[Symbol.asyncIterator]();
      try {
        for (;;) {
          // The events the channel holds are forwarded in one run, with no promise per event, until
          // a send must wait for room or the channel is empty.
          const result = iterator.poll() ?? (await iterator.next());
          if (result.done === true) break;
          const value = result.value;
          const event = upstream.currentEvent;
          let options: { key?: unknown; event?: Event; origin?: Event };
          if (key === undefined) options = event === undefined ? {} : { event, origin: event };
          else {
            // A key function that returns at once costs no turn of the microtask queue, nor does a
            // send that enqueued its record without waiting for room.
            const computed = key(value);
            const keyed = computed instanceof Promise ? ((await computed) as unknown) : computed;
            options = event === undefined ? { key: keyed } : { key: keyed, origin: event };
          }
          const sending = env.send(topic, value, options);
          if (sending !== undefined) await sending;
        }
      } catch (err) {
        const event = upstream.currentEvent;
        event?.ack();
        throw new StreamOperatorError(name, event, err);
      } finally {
        await iterator.return();
      }
    });
  }

  events(): AsyncIterable<Event<unknown, V>> {
    return this.#iterate((value, event) => {
      const holder = value === event.value ? (event as Event<unknown, V>) : event.withValue(value as V);
      return [holder, holder];
    });
  }

  items(): AsyncIterable<[unknown, V]> {
    return this.#iterate((value, event) => [[event.key, value as V], event]);
  }

  enumerate(start = 0): AsyncIterable<[number, V]> {
    let n = start;
    return this.#iterate((value, event) => [[n++, value as V], event]);
  }

  /**
   * Lists of up to `max` values; with `withinMs`, a partial list is yielded when that time passes.
   * A list's events are acked when the handler asks for the next list, when the stream ends, and
   * when the handler leaves the loop (break, return or throw).
   */
  async *take(max: number, withinMs?: number): AsyncGenerator<V[]> {
    const own = new AbortController();
    const signal = AbortSignal.any([this.#env.signal, own.signal]);
    const reader = new Stream<V>(this.#channel, withSignal(this.#env, signal), this.#steps, this.#acks);
    const iterator = reader.#iterate((value, event) => [{ value: value as V, event }, event], false)[Symbol.asyncIterator]();
    let collected: { value: V; event: Event }[] = [];
    let inHand: Event[] = [];
    let pending: Promise<IteratorResult<{ value: V; event: Event }>> | undefined;
    const ackInHand = (): void => {
      if (this.#acks) for (const event of inHand) event.ack();
      inHand = [];
    };
    try {
      for (let isDone = false; !isDone; ) {
        const timer = withinMs === undefined ? undefined : new AbortController();
        try {
          const deadline = timer === undefined ? undefined : sleep(withinMs, 'timeout' as const, { signal: AbortSignal.any([signal, timer.signal]) }).catch(() => 'cancelled' as const);
          while (collected.length < max) {
            pending ??= iterator.next();
            const result = deadline === undefined ? await pending : await Promise.race([pending, deadline]);
            if (result === 'timeout' || result === 'cancelled') break;
            pending = undefined;
            if (result.done === true) {
              isDone = true;
              break;
            }
            collected.push(result.value);
          }
        } finally {
          timer?.abort();
        }
        if (collected.length > 0) {
          inHand = collected.map((c) => c.event);
          const values = collected.map((c) => c.value);
          collected = [];
          yield values;
          ackInHand();
        }
      }
    } finally {
      ackInHand();
      own.abort();
      // A read still waiting when the loop ended may have taken an event: it goes back, unprocessed.
      const late = pending === undefined ? undefined : await pending.catch(() => undefined);
      if (late !== undefined && late.done !== true) this.#channel.requeue(late.value.event);
      await iterator.return?.();
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<V> {
    return this.#iterate((value, event) => [value as V, event])[Symbol.asyncIterator]();
  }

  /**
   * The one iterator all shapes share. Each `next()` first acks the previous event (unless
   * manual), then pulls events through the fused steps until one survives. `shape` gives what
   * the caller sees and the event that holds the acknowledgement (a copy when the value changed).
   * Only delivered events — or one whose step threw — become the actor's current event.
   */
  #iterate<T>(shape: (value: unknown, event: Event) => [T, Event], autoAck = this.#acks): { [Symbol.asyncIterator](): PollingIterator<T> } {
    const channel = this.#channel;
    const env = this.#env;
    const steps = this.#steps;
    let previous: Event | undefined;
    const release = (): void => {
      if (autoAck && previous !== undefined) previous.ack();
      previous = undefined;
    };
    // A stream without steps whose channel holds an event answers with it at once: no async layer
    // nor await on the channel (the hot path of a handler's loop), and no promise at all for poll().
    const poll = (): IteratorResult<T> | undefined => {
      if (steps.length > 0 || env.signal.aborted) return undefined;
      release();
      const event = channel.poll();
      return event === undefined ? undefined : deliver(event.value, event);
    };
    const next = (): Promise<IteratorResult<T>> => {
      const polled = poll();
      if (polled !== undefined) return Promise.resolve(polled);
      release();
      return pull();
    };
    const deliver = (value: unknown, event: Event): IteratorResult<T> => {
      const [out, holder] = shape(value, event);
      previous = holder;
      this.#current = holder;
      env.current(holder);
      return { value: out, done: false };
    };
    const pull = async (): Promise<IteratorResult<T>> => {
      for (;;) {
        const event = await channel.next(env.signal);
        if (event === undefined) {
          this.#current = undefined;
          env.current(undefined);
          return { value: undefined, done: true };
        }
        let value: unknown = event.value;
        try {
          for (const step of steps) {
            value = step(value, event);
            if (value instanceof Promise) value = await value;
            if (value === SKIP) break;
          }
        } catch (err) {
          this.#current = event;
          env.current(event);
          throw err;
        }
        if (value === SKIP) {
          event.ack();
          continue;
        }
        return deliver(value, event);
      }
    };
    return {
      [Symbol.asyncIterator]: () => ({
        next,
        poll,
        return: (): Promise<IteratorResult<T>> => {
          release();
          return Promise.resolve({ value: undefined, done: true });
        },
      }),
    };
  }
}

/** The same environment with another abort signal (take's own reader). */
function withSignal(env: StreamEnvironment, signal: AbortSignal): StreamEnvironment {
  return {
    signal,
    send: (topic, value, options) => env.send(topic, value, options),
    repartition: (name, partitions) => env.repartition(name, partitions),
    subscription: (topic) => env.subscription(topic),
    pump: (name, loop) => env.pump(name, loop),
    current: (event) => env.current(event),
  };
}
