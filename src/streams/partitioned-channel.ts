// The channel of an agent with isolated partitions (Faust's isolated_partitions): one FIFO per
// topic-partition, so each partition has its own actor. The agent runner opens a partition's FIFO
// when the partition is assigned (or its first event arrives) and the stream source releases them
// all on revoke; the conductor pushes here as into any channel.

import type { TopicPartition } from '../kafka/index.js';
import { Channel, type ChannelHooks } from './channel.js';
import type { Event } from './event.js';

/** Told of each partition FIFO as it opens: the runner starts its actor. */
export type PartitionOpened = (partition: TopicPartition, channel: Channel) => void;

const key = (tp: TopicPartition): string => `${tp.topic}\u0000${tp.partition}`;

export class PartitionedChannel extends Channel {
  readonly #hooks: ChannelHooks;
  /** The topics whose partitions get a FIFO (the agent's topics). */
  readonly #reads: (topic: string) => boolean;
  readonly #partitions = new Map<string, { readonly partition: TopicPartition; readonly channel: Channel }>();
  #onOpened: PartitionOpened | undefined;

  constructor(name: string, reads: (topic: string) => boolean, hooks: ChannelHooks = {}) {
    super(name, hooks);
    this.#reads = reads;
    this.#hooks = hooks;
  }

  /** Registers the listener and tells it of every FIFO already open. */
  onOpened(listener: PartitionOpened): void {
    this.#onOpened = listener;
    for (const { partition, channel } of this.#partitions.values()) listener(partition, channel);
  }

  /** Opens the FIFO of every assigned partition this channel reads. */
  assigned(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) if (this.#reads(tp.topic)) this.#open(tp);
  }

  /**
   * Closes and forgets every FIFO (the assignment was revoked): each actor finishes the event in
   * hand and ends. Buffered events are dropped by the owner first (`drop`), as for any channel.
   */
  released(): void {
    for (const { channel } of this.#partitions.values()) channel.close();
    this.#partitions.clear();
  }

  /** The FIFOs open now, by topic-partition (tests, logs). */
  get partitions(): TopicPartition[] {
    return [...this.#partitions.values()].map(({ partition }) => partition);
  }

  override get size(): number {
    let n = 0;
    for (const { channel } of this.#partitions.values()) n += channel.size;
    return n;
  }

  override push(event: Event): void {
    if (this.isClosed) throw new Error(`channel ${this.name} is closed`);
    this.#open({ topic: event.message.topic, partition: event.message.partition }).push(event);
  }

  override drop(matches: (event: Event) => boolean): Event[] {
    return [...this.#partitions.values()].flatMap(({ channel }) => channel.drop(matches));
  }

  override close(): void {
    super.close();
    for (const { channel } of this.#partitions.values()) channel.close();
  }

  /** Events go to the FIFOs: reading the whole channel is a mistake of the caller. */
  override next(): Promise<Event | undefined> {
    return Promise.reject(new Error(`channel ${this.name} has one FIFO per partition: read those`));
  }

  #open(tp: TopicPartition): Channel {
    const id = key(tp);
    const open = this.#partitions.get(id);
    if (open !== undefined) return open.channel;
    const partition = { topic: tp.topic, partition: tp.partition };
    const channel = new Channel(`${this.name} ${tp.topic}[${tp.partition}]`, this.#hooks);
    this.#partitions.set(id, { partition, channel });
    if (this.isClosed) channel.close();
    this.#onOpened?.(partition, channel);
    return channel;
  }
}
