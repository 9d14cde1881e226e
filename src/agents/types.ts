// The handler API: what a user's agent function receives and may return.

import type { Logger } from 'pino';
import type { Event, Stream } from '../streams/index.js';
import type { Table } from '../tables/index.js';

/** Options of a send from a handler. Without `key`, the current event's key bytes are reused. */
export interface SendOptions {
  readonly key?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** The partition to write to (Faust's `partition=`); absent: the key's. A partition the topic lacks rejects with STREAMD_BAD_PARTITION. */
  readonly partition?: number;
  /** The record's timestamp, ms since the epoch or a Date (Faust's `timestamp=`); absent: now. */
  readonly timestamp?: number | Date;
}

/** A producer for one declared topic, encoding with the topic's codecs. */
export interface TopicSender {
  /** Enqueues the value; it is on the broker before the source event's offset is committed. */
  send(value: unknown, options?: SendOptions): Promise<void>;
}

/** Options of `ask` and of the map family: how long to wait for each answer. */
export interface AskOptions {
  /** Per value; default 30 s. */
  readonly timeoutMs?: number;
}

/** Another agent, as a handler sees it. */
export interface AgentRef {
  /** Sends a value to the agent's topic (or channel) without waiting for an answer. */
  send(value: unknown, options?: SendOptions): Promise<void>;
  /** Sends a value and waits for what the agent yields for it. Rejects after `timeoutMs` (default 30 s). */
  ask(value: unknown, options?: SendOptions & AskOptions): Promise<unknown>;
  /** Faust's `agent.map`: asks every value at once; yields the answers in the order of `values`. */
  map(values: Iterable<unknown>, options?: AskOptions): AsyncIterable<unknown>;
  /** `map` over `[key, value]` pairs (or an object): each value is sent with its key. */
  kvmap(items: Iterable<readonly [unknown, unknown]> | Readonly<Record<string, unknown>>, options?: AskOptions): AsyncIterable<unknown>;
  /** Faust's `agent.join`: the answers to every value, in the order of `values`. */
  join(values: Iterable<unknown>, options?: AskOptions): Promise<unknown[]>;
  /** `join` over `[key, value]` pairs (or an object): each value is sent with its key. */
  kvjoin(items: Iterable<readonly [unknown, unknown]> | Readonly<Record<string, unknown>>, options?: AskOptions): Promise<unknown[]>;
}

/** An in-memory channel, as a handler sees it (`channels.<name>`). */
export interface ChannelSender {
  /** Hands the value to the channel's agent; rejects with STREAMD_ENCODE when it fails the channel's valueType. */
  send(value: unknown, options?: Pick<SendOptions, 'key'>): Promise<void>;
}

/** The second argument of every handler. */
export interface HandlerContext {
  readonly topics: Readonly<Record<string, TopicSender>>;
  readonly agents: Readonly<Record<string, AgentRef>>;
  /** The manifest's in-memory channels (not durable: see the README). */
  readonly channels: Readonly<Record<string, ChannelSender>>;
  readonly log: Logger;
  /** Aborted when the worker stops or the handler is reloaded. */
  readonly signal: AbortSignal;
  /** The event being processed by this actor, if any. */
  currentEvent(): Event | undefined;
  /**
   * The manifest's tables by name. Reads and writes go to the partition of the event being
   * processed; writes reach the changelog and the store at the next commit. Give one its types
   * with a cast: `tables.page_counts as Table<string, number>` (a set table: `as SetTable<K, E>`).
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly tables: Readonly<Record<string, Table<any, any>>>;
  /** True while this worker is the group's leader (owns the leader topic's partition). */
  isLeader(): boolean;
}

/**
 * An agent: an async generator (yielded values go to the agent's sinks, and answer `ask`) or an
 * async function of the stream.
 */
export type Agent<V = unknown> = (stream: Stream<V>, context: HandlerContext) => AsyncIterable<unknown> | Promise<unknown>;

/** Where yielded values go: a topic, another agent (its main topic, or its channel), or a function. */
export interface SinkTarget {
  readonly kind: 'topic' | 'agent' | 'handler';
  readonly name: string;
  /** The topic the value is sent to; unused when `deliver` is set. */
  readonly topic: string;
  /** Delivers the value itself instead of a send to `topic` (a channel-fed agent, a function sink). */
  readonly deliver?: (value: unknown, event: Event | undefined) => Promise<void>;
}

/** An agent of any value type, as the worker holds them (each handler declares its own `V`). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyAgent = Agent<any>;
