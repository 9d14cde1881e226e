// Routes each consumed record to every channel subscribed to its topic, with one acknowledgement
// reference per channel; applies the topic's decode-error policy; pauses a partition whose
// buffered events reach the limit and resumes it when readers have taken half of them.

import type { Logger } from 'pino';
import { StreamdError } from '../errors/index.js';
import type { ConsumerRecord, Headers, ProducerRecord, RecordBatch, TopicPartition } from '../kafka/index.js';
import type { Channel } from './channel.js';
import { Event } from './event.js';
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
  /** The subscriptions of each topic seen, named and pattern ones together. */
  readonly #resolved = new Map<string, Subscription[]>();
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
    let list = this.#resolved.get(topic);
    if (list === undefined) {
      list = [...(this.#subscriptions.get(topic) ?? []), ...this.#patterns.filter((s) => s.pattern!.test(topic))];
      this.#resolved.set(topic, list);
    }
    return list;
  }

  /** Hands a batch to the subscribed channels. Synchronous: the fetch loop never waits on handlers. */
  deliver(batch: RecordBatch, tracker: PartitionTracker): void {
    const id = key(batch.topic, batch.partition);
    if (this.#halted.has(id) || tracker.isRevoked) return;
    const subscriptions = this.subscriptionsOf(batch.topic);
    const decode = this.#ports.decoderFor(batch.topic);
    let delivered = 0;
    for (const record of batch.records) {
      if (tracker.isRead(record.offset)) continue;
      let decoded: { key: unknown; value: unknown };
      try {
        decoded = decode(record);
      } catch (err) {
        if (!this.#undecodable(record, err, subscriptions, tracker)) {
          this.#halted.add(id);
          break;
        }
        continue;
      }
      const tracked = tracker.track(record.offset, subscriptions.length);
      for (const subscription of subscriptions) subscription.channel.push(new Event(decoded.key, decoded.value, record, tracked));
      delivered += subscriptions.length;
    }
    if (delivered > 0) this.#add(batch, delivered);
  }

  /** A reader took an event out of a channel: its partition may resume. */
  taken(event: Event): void {
    const { topic, partition } = event.message;
    const flow = this.#flow(topic, partition);
    // A push straight to a waiting reader is taken before deliver() counts it: the count may dip below 0.
    flow.buffered -= 1;
    if (flow.isPaused && flow.buffered <= this.#maxBuffered / 2) {
      flow.isPaused = false;
      this.#ports.resume({ topic, partition });
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

  /** Applies the policy; returns false when delivery of this partition must stop here. */
  #undecodable(record: ConsumerRecord, err: unknown, subscriptions: readonly Subscription[], tracker: PartitionTracker): boolean {
    const { log } = this.#ports;
    const where = { topic: record.topic, partition: record.partition, offset: record.offset.toString() };
    const reason = err instanceof Error ? err.message : String(err);
    const policy = subscriptions[0]?.onDecodeError ?? 'skip';
    if (policy === 'stop') {
      for (const s of subscriptions) this.#ports.countDecodeError(record.topic, s.agent, 'stop');
      log.error({ ...where, err }, 'cannot decode a record and the topic says stop: stopping without committing past it');
      this.#ports.halt(new UndecodableRecordError(record, err));
      return false;
    }
    for (const s of subscriptions) {
      this.#ports.countDecodeError(record.topic, s.agent, s.onDecodeError);
      if (s.onDecodeError === 'dlq') this.#ports.send(deadLetter(record, s.deadLetterTopic, reason), { tracker, offset: record.offset });
    }
    log.warn({ ...where, reason, policy }, policy === 'dlq' ? 'cannot decode a record: sent it to the dead-letter topic' : 'cannot decode a record: skipped it');
    tracker.track(record.offset, 0);
    return true;
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
