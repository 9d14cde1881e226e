// In-memory channels (Faust's `app.channel()`): a queue inside one worker that a channel-fed agent
// reads. A send puts an event straight into the agent's Channel; there is no topic, no offset and no
// commit, so a value is processed at most once and whatever is still queued when the worker stops or
// crashes is lost. `ask` over a channel is answered in memory (no reply topic).

import { StreamdError } from '../errors/index.js';
import { Event, type Channel } from '../streams/index.js';
import { AskTimeoutError } from './replies.js';
import type { AskOptions, ChannelSender } from './types.js';

/** The topic name a channel's events carry in `event.message.topic`, for logs. */
export const channelTopic = (name: string): string => `channel:${name}`;

export interface MemoryChannelSpec {
  /** The channel an agent reads. Undefined when no agent reads it: a send then fails. */
  readonly channel: Channel | undefined;
  /** Checks a sent value against the channel's valueType and returns it as the agent will see it (defaults applied). */
  readonly admit?: (value: unknown) => unknown;
}

interface Waiting {
  readonly resolve: (value: unknown) => void;
}

export class MemoryChannels {
  readonly #specs: ReadonlyMap<string, MemoryChannelSpec>;
  readonly #asks = new WeakMap<Event, Waiting>();
  #sequence = 0n;

  constructor(specs: ReadonlyMap<string, MemoryChannelSpec>) {
    this.#specs = specs;
  }

  /** The handler-facing senders, one per declared channel. */
  senders(): Record<string, ChannelSender> {
    return Object.fromEntries([...this.#specs.keys()].map((name) => [name, { send: (value: unknown, options: { key?: unknown } = {}) => this.send(name, value, options.key) }]));
  }

  /** Queues `value` for the channel's agent. Rejects when the value fails the valueType, or nothing reads the channel, or the worker is stopping. */
  send(name: string, value: unknown, key?: unknown): Promise<void> {
    try {
      this.#push(name, value, key);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** Queues `value` and resolves with what the channel's agent yields for it. */
  ask(name: string, value: unknown, options: { key?: unknown } & AskOptions = {}): Promise<unknown> {
    const timeoutMs = options.timeoutMs ?? 30_000;
    return new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => reject(new AskTimeoutError(`reading channel ${name}`, timeoutMs)), timeoutMs);
      try {
        const event = this.#push(name, value, options.key);
        this.#asks.set(event, { resolve: (answer) => { clearTimeout(timer); resolve(answer); } });
      } catch (error) {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  /** Answers an `ask` made over a channel; false when `event` was not one (then the Kafka replies may answer it). */
  reply(event: Event, value: unknown): boolean {
    const waiting = this.#asks.get(event);
    if (waiting === undefined) return false;
    this.#asks.delete(event);
    waiting.resolve(value);
    return true;
  }

  #push(name: string, value: unknown, key: unknown): Event {
    const spec = this.#specs.get(name);
    if (spec?.channel === undefined) {
      throw new StreamdError('STREAMD_NO_CHANNEL_READER', spec === undefined ? `no channel "${name}" in the manifest` : `no agent reads channel "${name}" (give an agent channel: ${name})`);
    }
    if (spec.channel.isClosed) throw new StreamdError('STREAMD_STOPPING', `channel "${name}" is closed: the worker is stopping, and the value is not queued`);
    const admitted = spec.admit === undefined ? value : spec.admit(value);
    const message = { topic: channelTopic(name), partition: -1, offset: this.#sequence++, key: null, value: null, headers: {}, timestamp: Date.now() };
    const event = new Event(key ?? null, admitted, message, undefined);
    spec.channel.push(event);
    return event;
  }
}
