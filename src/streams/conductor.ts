// Routes each consumed record to every channel subscribed to its topic, with one acknowledgement
// reference per channel; decodes each event as a reader takes it (event.ts says why not on fetch)
// and applies the topic's decode-error policy there; pauses a partition whose buffered events reach
// the limit and resumes it when readers have taken half of them.

import type { Logger } from 'pino';
import { StreamdError } from '../errors/index.js';
import type { ConsumerRecord, Headers, ProducerRecord, RecordBatch, TopicPartition } from '../kafka/index.js';
import type { Channel } from './channel.js';
import { Event, type EventDecoder } from './event.js';
import type { SendSource } from './partition-outbox.js';
import type { PartitionTracker } from './tracked-message.js';

export type DecodeErrorPolicy = 'skip' | 'dlq' | 'stop';

/** Decodes a record's key and value; throws (e.g. a DecodeError) when it cannot. */
export type RecordDecoder = (record: ConsumerRecord) => { key: unknown; value: unknown };

export interface Subscription {
  /** The Kafka topic; for a pattern subscription, the name of its declaration (logs only). */
  readonly topic: string;
  /** Faust's topic pattern: the subscription takes every topic whose name matches. */
  readonly pattern?: RegExp;
  readonly channel: Channel;
  /** The agent reading the channel: names its dead-letter topic and its error counters. */
  readonly agent: string;
  readonly onDecodeError: DecodeErrorPolicy;
  /** Where `dlq` sends undecodable records. */
  readonly deadLetterTopic: string;
}

/** What the conductor needs from the worker around it. */
export interface ConductorPorts {
  readonly log: Logger;
  readonly decoderFor: (topic: string) => RecordDecoder;
  /** Enqueues a record on the worker's producer (dead letters), on behalf of the input record `source`. */
  readonly send: (record: ProducerRecord, source: SendSource) => void;
  readonly pause: (partition: TopicPartition) => void;
  readonly resume: (partition: TopicPartition) => void;
  /** A `stop` policy fired: the worker must stop without committing past `record`. */
  readonly halt: (error: Error) => void;
  /** Counts an undecodable record (metrics). */
  readonly countDecodeError: (topic: string, agent: string, policy: DecodeErrorPolicy) => void;
}

/** Thrown by the `stop` policy: the worker stops and nothing is committed past the record. */
export class UndecodableRecordError extends StreamdError {
  constructor(record: ConsumerRecord, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(
      'STREAMD_UNDECODABLE_RECORD',
      `cannot decode ${record.topic}[${record.partition}] at offset ${record.offset}: ${reason}. ` +
        `The topic's onDecodeError is "stop", so the worker stops here and commits nothing past this record; ` +
        `fix or skip the record (onDecodeError: skip | dlq) and start again.`,
      { cause },
    );
  }
}

const key = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

/** One subscription's decoder of one topic: what an undecodable event of it is routed by. */
class Decoding implements EventDecoder {
  readonly subscription: Subscription;
  readonly decode: RecordDecoder;

  constructor(subscription: Subscription, decode: RecordDecoder) {
    this.subscription = subscription;
    this.decode = decode;
  }
}

/** The subscriptions of one topic, with their decoders. */
interface Route {
  readonly subscriptions: readonly Subscription[];
  readonly decodings: readonly Decoding[];
}

/** One partition's events buffered in channels, and whether it is paused for them. */
interface Flow {
  buffered: number;
  isPaused: boolean;
}

export class Conductor {
  readonly #ports: ConductorPorts;
  readonly #maxBuffered: number;
  readonly #subscriptions = new Map<string, Subscription[]>();
  readonly #patterns: Subscription[] = [];
  /** The subscriptions of each topic seen, named and pattern ones together, with their decoders. */
  readonly #resolved = new Map<string, Route>();
  /**
   * Topic → partition → its flow. Nested, not keyed by a `topic\0partition` string: `taken` runs
   * once per event, and a string built per event is hashed per event.
   */
  readonly #flows = new Map<string, Map<number, Flow>>();
  readonly #halted = new Set<string>();

  /** `maxBuffered`: events buffered per partition before it is paused (streamBufferMaxsize). */
  constructor(ports: ConductorPorts, maxBuffered: number) {
    this.#ports = ports;
    this.#maxBuffered = maxBuffered;
  }

  subscribe(subscription: Subscription): void {
    this.#resolved.clear();
    if (subscription.pattern !== undefined) {
      this.#patterns.push(subscription);
      return;
    }
    const list = this.#subscriptions.get(subscription.topic) ?? [];
    list.push(subscription);
    this.#subscriptions.set(subscription.topic, list);
  }

  /** Every topic some channel reads by name: with `patterns()`, the consumer's subscription. */
  topics(): string[] {
    return [...this.#subscriptions.keys()].sort();
  }

  /** The distinct patterns some channel reads. */
  patterns(): RegExp[] {
    const seen = new Map<string, RegExp>();
    for (const { pattern } of this.#patterns) if (pattern !== undefined) seen.set(pattern.source, pattern);
    return [...seen.values()];
  }

  /** The subscriptions a record of `topic` goes to: by name, and every pattern it matches. */
  subscriptionsOf(topic: string): readonly Subscription[] {
    return this.#route(topic).subscriptions;
  }

  #route(topic: string): Route {
    let route = this.#resolved.get(topic);
    if (route === undefined) {
      const subscriptions = [...(this.#subscriptions.get(topic) ?? []), ...this.#patterns.filter((s) => s.pattern!.test(topic))];
      const decode = subscriptions.length === 0 ? undefined : this.#ports.decoderFor(topic);
      route = { subscriptions, decodings: subscriptions.map((s) => new Decoding(s, decode!)) };
      this.#resolved.set(topic, route);
    }
    return route;
  }

  /**
   * Hands a batch to the subscribed channels, undecoded: each event is decoded as a reader takes it
   * (`taken`). Synchronous: the fetch loop never waits on handlers.
   */
  deliver(batch: RecordBatch, tracker: PartitionTracker): void {
    const id = key(batch.topic, batch.partition);
    if (this.#halted.has(id) || tracker.isRevoked) return;
    const { decodings } = this.#route(batch.topic);
    const fanout = decodings.length;
    let delivered = 0;
    for (const record of batch.records) {
      if (tracker.isRead(record.offset)) continue;
      const tracked = tracker.track(record.offset, fanout);
      for (const decoding of decodings) decoding.subscription.channel.push(Event.undecoded(record, tracked, decoding));
      delivered += fanout;
      // A reader waiting took the event at once, and its record was undecodable under `stop`.
      if (this.#halted.size > 0 && this.#halted.has(id)) break;
    }
    if (delivered > 0) this.#add(batch, delivered);
  }

  /**
   * A reader takes an event out of a channel: its partition may resume, and the event is decoded.
   * False when the reader must not get it: its record is undecodable (handled by the subscription's
   * policy here), or an undecodable record under `stop` halted its partition before it.
   */
  taken(event: Event): boolean {
    const { topic, partition } = event.message;
    const flow = this.#flow(topic, partition);
    // A push straight to a waiting reader is taken before deliver() counts it: the count may dip below 0.
    flow.buffered -= 1;
    if (flow.isPaused && flow.buffered <= this.#maxBuffered / 2) {
      flow.isPaused = false;
      this.#ports.resume({ topic, partition });
    }
    const decoder = event.decoder;
    if (decoder === undefined) return true;
    if (this.#halted.size > 0 && this.#halted.has(key(topic, partition))) return false;
    try {
      event.decode();
      return true;
    } catch (err) {
      this.#undecodable(event, (decoder as Decoding).subscription, err);
      return false;
    }
  }

  /** Forgets buffered counts and pauses after a rebalance: every channel was emptied. */
  reset(): void {
    this.#flows.clear();
    this.#halted.clear();
  }

  #flow(topic: string, partition: number): Flow {
    let partitions = this.#flows.get(topic);
    if (partitions === undefined) this.#flows.set(topic, (partitions = new Map<number, Flow>()));
    let flow = partitions.get(partition);
    if (flow === undefined) partitions.set(partition, (flow = { buffered: 0, isPaused: false }));
    return flow;
  }

  #add(partition: TopicPartition, count: number): void {
    const flow = this.#flow(partition.topic, partition.partition);
    flow.buffered += count;
    if (flow.buffered >= this.#maxBuffered && !flow.isPaused) {
      flow.isPaused = true;
      this.#ports.pause({ topic: partition.topic, partition: partition.partition });
    }
  }

  /**
   * Applies the subscription's policy to an event whose record it cannot decode. skip and dlq ack
   * the event (after the dead letter is sent: a commit flushes sends before it commits the offset);
   * stop never acks it, so no commit passes it, and halts its partition and the worker.
   */
  #undecodable(event: Event, subscription: Subscription, err: unknown): void {
    const { log } = this.#ports;
    const record = event.message;
    const where = { topic: record.topic, partition: record.partition, offset: record.offset.toString(), agent: subscription.agent };
    const policy = subscription.onDecodeError;
    this.#ports.countDecodeError(record.topic, subscription.agent, policy);
    if (policy === 'stop') {
      this.#halted.add(key(record.topic, record.partition));
      log.error({ ...where, err }, 'cannot decode a record and the topic says stop: stopping without committing past it');
      this.#ports.halt(new UndecodableRecordError(record, err));
      return;
    }
    const reason = err instanceof Error ? err.message : String(err);
    const tracker = event.delivery?.tracker;
    if (policy === 'dlq' && tracker !== undefined) this.#ports.send(deadLetter(record, subscription.deadLetterTopic, reason), { tracker, offset: record.offset });
    log.warn({ ...where, reason, policy }, policy === 'dlq' ? 'cannot decode a record: sent it to the dead-letter topic' : 'cannot decode a record: skipped it');
    event.ack();
  }
}

/** The raw record, unchanged, with headers that say where it came from and why it failed. */
export function deadLetter(record: ConsumerRecord, topic: string, reason: string): ProducerRecord {
  const headers: Headers = {
    ...record.headers,
    'streamd-error': Buffer.from(reason),
    'streamd-source-topic': Buffer.from(record.topic),
    'streamd-source-partition': Buffer.from(String(record.partition)),
    'streamd-source-offset': Buffer.from(record.offset.toString()),
  };
  return { topic, key: record.key, value: record.value, headers, timestamp: record.timestamp };
}
