// One run of an actor's handler: the stream environment it iterates in, the pumps its groupBy and
// through calls start, and the event in hand. A pump failure aborts the run like a handler error.

import { ConfigError } from '../errors/index.js';
import type { Channel, Event, StreamEnvironment } from '../streams/index.js';
import { ORIGIN_HEADER, originHeader } from '../tables/index.js';
import type { Outbox } from './outbox.js';

export interface ActorRunPorts {
  readonly agent: string;
  readonly outbox: Outbox;
  /** Repartition topics declared by this agent's handler at boot, by groupBy name. */
  readonly repartitions: ReadonlyMap<string, { readonly topic: string; readonly channel: Channel }>;
  /** Channels of topics this agent's handler reads through `through`. */
  readonly subscriptions: ReadonlyMap<string, Channel>;
  /**
   * Whether forwarded records carry their origin's position. Only an agent with one actor forwards
   * each origin partition in order, which is what lets a table drop an origin offset seen before.
   */
  readonly marksOrigins?: boolean;
}

export class ActorRun implements StreamEnvironment {
  readonly #controller = new AbortController();
  readonly #ports: ActorRunPorts;
  readonly #pumps: Promise<void>[] = [];
  readonly #onParentAbort: () => void;
  readonly #parent: AbortSignal;
  #current: Event | undefined;
  #seen = 0;
  #failure: unknown;
  #isInterrupted = false;

  readonly #onEvent: (event: Event) => void;

  /** `onEvent` is told of every event the run takes (metrics). */
  constructor(parent: AbortSignal, ports: ActorRunPorts, onEvent: (event: Event) => void) {
    this.#ports = ports;
    this.#onEvent = onEvent;
    this.#parent = parent;
    this.#onParentAbort = () => this.#controller.abort(parent.reason);
    if (parent.aborted) this.#controller.abort(parent.reason);
    else parent.addEventListener('abort', this.#onParentAbort, { once: true });
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get currentEvent(): Event | undefined {
    return this.#current;
  }

  /** At least one event was fully processed in this run (the handler moved past it). */
  get hasProgressed(): boolean {
    return this.#seen >= 2;
  }

  /** The error of a failed pump, if one failed. */
  get failure(): unknown {
    return this.#failure;
  }

  send(topic: string, value: unknown, options: { key?: unknown; event?: Event; origin?: Event }): Promise<void> | undefined {
    const headers = options.origin !== undefined && this.#ports.marksOrigins === true ? { headers: { [ORIGIN_HEADER]: originHeader(options.origin.message) } } : {};
    const source = options.event ?? options.origin;
    const from = source === undefined ? {} : { event: source };
    const message = options.key !== undefined ? { value, key: options.key, ...headers, ...from } : { value, rawKey: options.event?.message.key ?? null, ...headers, ...from };
    const outbox = this.#ports.outbox;
    return outbox.trySend !== undefined ? outbox.trySend(topic, message) : outbox.send(topic, message);
  }

  repartition(name: string): { topic: string; channel: Channel } {
    const found = this.#ports.repartitions.get(name);
    if (found === undefined) {
      throw new ConfigError(
        `agent ${this.#ports.agent}: groupBy name "${name}" was not seen when the worker started. ` +
          'Call groupBy before the handler first awaits anything, so streamd can create its topic at boot.',
      );
    }
    return found;
  }

  subscription(topic: string): Channel {
    const found = this.#ports.subscriptions.get(topic);
    if (found === undefined) {
      throw new ConfigError(`agent ${this.#ports.agent}: through("${topic}") was not seen when the worker started, or "${topic}" is not a declared topic.`);
    }
    return found;
  }

  pump(_name: string, loop: () => Promise<void>): void {
    this.#pumps.push(
      loop().catch((err: unknown) => {
        if (this.#controller.signal.aborted) return;
        this.#failure = err;
        this.#controller.abort(err);
      }),
    );
  }

  current(event: Event | undefined): void {
    this.#current = event;
    if (event === undefined) return;
    this.#seen += 1;
    this.#onEvent(event);
  }

  /** True when `interrupt()` ended the run (a handler reload), not the handler or a failure. */
  get isInterrupted(): boolean {
    return this.#isInterrupted;
  }

  /**
   * Ends the handler's stream at the next event boundary: the stream reports done, the handler
   * returns, and the actor starts a new run with the current handler. Buffered events stay.
   */
  interrupt(): void {
    this.#isInterrupted = true;
    this.#controller.abort();
  }

  /** Ends the run: stops its pumps and waits for them. */
  async end(): Promise<void> {
    this.#controller.abort();
    this.#parent.removeEventListener('abort', this.#onParentAbort);
    await Promise.all(this.#pumps);
  }
}
