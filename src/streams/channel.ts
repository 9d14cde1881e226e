// A FIFO of events shared by the actors of one agent. Bounded by its owner (the conductor pauses
// the source partition when full); closing lets readers drain what is left, then ends them.

import type { Event } from './event.js';
import { isTurnOver, nextTurn } from './turns.js';

export interface ChannelHooks {
  /**
   * Called when a reader takes an event out of the channel (drives resume of paused partitions, and
   * decodes the event). False: the event is not handed over (the hook dealt with it: an undecodable
   * record under its topic's policy), and the reader gets the next one.
   */
  readonly onTake?: (event: Event) => boolean | void;
}

export class Channel {
  readonly name: string;
  #items: Event[] = [];
  #head = 0;
  #waiters: ((event: Event | undefined) => void)[] = [];
  #isClosed = false;
  readonly #hooks: ChannelHooks;

  constructor(name: string, hooks: ChannelHooks = {}) {
    this.name = name;
    this.#hooks = hooks;
  }

  get size(): number {
    return this.#items.length - this.#head;
  }

  get isClosed(): boolean {
    return this.#isClosed;
  }

  push(event: Event): void {
    if (this.#isClosed) throw new Error(`channel ${this.name} is closed`);
    const waiter = this.#waiters[0];
    if (waiter === undefined) {
      this.#items.push(event);
      return;
    }
    if (this.#hooks.onTake?.(event) === false) return;
    this.#waiters.shift();
    waiter(event);
  }

  /**
   * The next event; undefined once the channel is closed and empty, or when `signal` aborts. A
   * buffered event waits for the event loop's next turn once the current run of processing has held
   * the loop for TURN_MS (turns.ts); it stays in the channel meanwhile (a revoke can still drop it).
   */
  next(signal?: AbortSignal): Promise<Event | undefined> {
    if (signal?.aborted === true) return Promise.resolve(undefined);
    if (this.size > 0 && isTurnOver()) return nextTurn().then(() => this.next(signal));
    const event = this.#shift();
    if (event !== undefined) return Promise.resolve(event);
    if (this.#isClosed) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const waiter = (value: Event | undefined): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve(value);
      };
      const onAbort = (): void => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        resolve(undefined);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /**
   * The next buffered event, taken at once; undefined when none is buffered (nothing waits), or when
   * the current run of processing is past its turn (then `next()` waits for the event loop's next).
   */
  poll(): Event | undefined {
    return isTurnOver() ? undefined : this.#shift();
  }

  /** Puts an event a reader took but did not use back at the front, for the next reader. */
  requeue(event: Event): void {
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) {
      waiter(event);
      return;
    }
    if (this.#head > 0) this.#items[--this.#head] = event;
    else this.#items.unshift(event);
  }

  /** Removes and returns the buffered events that match (e.g. those of revoked partitions). */
  drop(matches: (event: Event) => boolean): Event[] {
    const kept: Event[] = [];
    const dropped: Event[] = [];
    for (let i = this.#head; i < this.#items.length; i++) {
      const event = this.#items[i]!;
      (matches(event) ? dropped : kept).push(event);
    }
    this.#items = kept;
    this.#head = 0;
    return dropped;
  }

  /** No more pushes; readers drain what is buffered and then get undefined. */
  close(): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    if (this.size === 0) for (const waiter of this.#waiters.splice(0)) waiter(undefined);
  }

  /** The next buffered event the take hook hands over; those it refuses are gone from the channel. */
  #shift(): Event | undefined {
    let event: Event | undefined;
    while (this.#head < this.#items.length) {
      const next = this.#items[this.#head]!;
      this.#head += 1;
      if (this.#head === this.#items.length) {
        this.#items = [];
        this.#head = 0;
      } else if (this.#head > 4096) {
        this.#items = this.#items.slice(this.#head);
        this.#head = 0;
      }
      if (this.#hooks.onTake?.(next) !== false) {
        event = next;
        break;
      }
    }
    if (this.#isClosed && this.size === 0) for (const waiter of this.#waiters.splice(0)) waiter(undefined);
    return event;
  }
}
