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

/** Returned by an operator to drop the event (it is acked at once). */
const SKIP: unique symbol = Symbol('skip');
type Step = (value: unknown, event: Event) => unknown;

/** What a stream needs from the agent running it. */
export interface StreamEnvironment {
  readonly signal: AbortSignal;
  /** Enqueues a value for `topic`, keyed by `key` (or by the raw key bytes of `event` when key is undefined). */
  send(topic: string, value: unknown, options: { key?: unknown; event?: Event }): Promise<void>;
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
      await Promise.all(topics.map((topic) => this.#env.send(topic, value, { event })));
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
    const quiet: StreamEnvironment = {
      get signal() {
        return env.signal;
      },
      send: (t, value, options) => env.send(t, value, options),
      repartition: (n, partitions) => env.repartition(n, partitions),
      subscription: (t) => env.subscription(t),
      pump: (n, loop) => env.pump(n, loop),
      current: () => undefined,
    };
    const upstream = new Stream<V>(this.#channel, quiet, this.#steps, true);
    env.pump(name, async () => {
      try {
        for await (const value of upstream) {
          const event = upstream.currentEvent;
          await env.send(topic, value, key === undefined ? (event === undefined ? {} : { event }) : { key: await key(value) });
        }
      } catch (err) {
        const event = upstream.currentEvent;
        event?.ack();
        throw new StreamOperatorError(name, event, err);
      }
    });
  }

  events(): AsyncIterable<Event<unknown, V>> {
    return this.#iterate((value, event) => (value === event.value ? (event as Event<unknown, V>) : event.withValue(value as V)));
  }

  items(): AsyncIterable<[unknown, V]> {
    return this.#iterate((value, event) => [event.key, value as V]);
  }

  enumerate(start = 0): AsyncIterable<[number, V]> {
    let n = start;
    return this.#iterate((value) => [n++, value as V]);
  }

  /** Lists of up to `max` values; with `withinMs`, a partial list is yielded when that time passes. */
  async *take(max: number, withinMs?: number): AsyncGenerator<V[]> {
    const iterator = this.#iterate((value, event) => ({ value: value as V, event }), false)[Symbol.asyncIterator]();
    let batch: { value: V; event: Event }[] = [];
    let pending: Promise<IteratorResult<{ value: V; event: Event }>> | undefined;
    try {
      for (;;) {
        const timer = new AbortController();
        const onStop = (): void => timer.abort();
        this.#env.signal.addEventListener('abort', onStop, { once: true });
        const deadline: Promise<'timeout'> | undefined =
          withinMs === undefined ? undefined : sleep(withinMs, 'timeout' as const, { signal: timer.signal }).catch(() => 'timeout' as const);
        for (;;) {
          pending ??= iterator.next();
          const result = deadline === undefined ? await pending : await Promise.race([pending, deadline]);
          if (result === 'timeout') break;
          pending = undefined;
          if (result.done === true) {
            if (batch.length > 0) yield batch.map((b) => b.value);
            return;
          }
          batch.push(result.value);
          if (batch.length >= max) break;
        }
        timer.abort();
        this.#env.signal.removeEventListener('abort', onStop);
        if (batch.length > 0) {
          yield batch.map((b) => b.value);
          if (this.#acks) for (const b of batch) b.event.ack();
          batch = [];
        }
      }
    } finally {
      await iterator.return?.();
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<V> {
    return this.#iterate((value) => value as V)[Symbol.asyncIterator]();
  }

  /**
   * The one iterator all shapes share. Each `next()` first acks the previous event (unless
   * manual), then pulls events through the fused steps until one survives.
   */
  #iterate<T>(shape: (value: unknown, event: Event) => T, autoAck = this.#acks): AsyncIterable<T> {
    const channel = this.#channel;
    const env = this.#env;
    const steps = this.#steps;
    let previous: Event | undefined;
    const release = (): void => {
      if (autoAck && previous !== undefined) previous.ack();
      previous = undefined;
    };
    const next = async (): Promise<IteratorResult<T>> => {
      release();
      for (;;) {
        const event = await channel.next(env.signal);
        if (event === undefined) {
          this.#current = undefined;
          env.current(undefined);
          return { value: undefined, done: true };
        }
        this.#current = event;
        env.current(event);
        let value: unknown = event.value;
        for (const step of steps) {
          value = step(value, event);
          if (value instanceof Promise) value = await value;
          if (value === SKIP) break;
        }
        if (value === SKIP) {
          event.ack();
          continue;
        }
        previous = event;
        return { value: shape(value, event), done: false };
      }
    };
    return {
      [Symbol.asyncIterator]: () => ({
        next,
        return: (): Promise<IteratorResult<T>> => {
          release();
          return Promise.resolve({ value: undefined, done: true });
        },
      }),
    };
  }
}
