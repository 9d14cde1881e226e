// One partition of one table on this worker: its store, and the write-back cache in front of it.
// Writes made while an event is processed stay with that event until it is acked; then they join
// the dirty set. A commit takes the dirty set as a flush (one changelog record per key: the last
// write wins), sends it, and — once the offsets are committed — writes it into the store with the
// highest changelog offset it produced. Reads look in that order: the event's own writes, dirty,
// flushes not yet in the store (newest first), the store.

import type { Store } from '../stores/index.js';
import type { Event } from '../streams/index.js';
import { readOrigin, type Origin, type TablePositions } from './positions.js';

/** A pending write: `value` null deletes the key. */
export interface PendingWrite {
  readonly key: Buffer;
  readonly value: Buffer | null;
}

/** Dirty writes taken by one commit: sent as changelog records, then written into the store. */
export interface Flush {
  readonly partition: TablePartition;
  /** The flushed writes by key (the cache serves them until they are in the store). */
  readonly entries: ReadonlyMap<string, PendingWrite>;
  /** What the flushed state reflects; sent as a header with every record and stored as metadata. */
  readonly positions: TablePositions;
  /** The highest changelog offset the flush produced, once sent. */
  offset?: bigint;
}

/** The writes an event made here, not yet acked, and its origin header (read once, at its first write). */
interface EventWrites {
  readonly writes: Map<string, PendingWrite>;
  readonly origin: Origin | undefined;
}

const id = (key: Buffer): string => key.toString('latin1');
const ZERO_BYTE = Buffer.from([0]);

/**
 * Values written into the store stay in memory for reads, up to this many keys per partition (the
 * oldest written first out): hot keys are read on nearly every event, and a store read is a native
 * round trip.
 */
export const CLEAN_CACHE_KEYS = 20_000;

export class TablePartition {
  readonly table: string;
  readonly partition: number;
  readonly store: Store;
  /** What the committable state reflects: advanced when an event's writes join the dirty set. */
  readonly positions: TablePositions;
  #dirty = new Map<string, PendingWrite>();
  /** Values the store holds, kept for reads (see CLEAN_CACHE_KEYS); not used by global tables. */
  readonly #clean = new Map<string, Buffer | null>();
  /**
   * The store holds no key that #clean lacks (see `warm`): a key found nowhere in memory is absent,
   * with no store read. Lost for good when the cache first drops a key.
   */
  #isCleanComplete = false;
  /** Flushes sent or being sent whose store write has not happened yet, oldest first. */
  readonly #flushes: Map<string, PendingWrite>[] = [];
  /** Global tables: flushes waiting for the follower, oldest first. */
  readonly #sent: Flush[] = [];
  readonly #byEvent = new Map<Event, EventWrites>();
  #isDetached = false;
  /** Global tables: the changelog follower writes the store, flushes only wait for it. */
  readonly #isFollowerFed: boolean;
  #followed = -1n;
  #storeWrites: Promise<void> = Promise.resolve();
  /**
   * The first failed store write. Every later write rejects with it: a later flush written over a
   * missing one would record an offset past writes the store lacks, and recovery would skip them.
   */
  #writeFailure: Error | undefined;

  constructor(table: string, partition: number, store: Store, positions: TablePositions, options: { readonly isFollowerFed?: boolean } = {}) {
    this.#isFollowerFed = options.isFollowerFed ?? false;
    this.table = table;
    this.partition = partition;
    this.store = store;
    this.positions = positions;
  }

  /** False once the partition was revoked: writes are ignored and the events will be processed again. */
  get isAttached(): boolean {
    return !this.#isDetached;
  }

  /** Writes not yet sent to the changelog (committable ones only). */
  get dirtyCount(): number {
    return this.#dirty.size;
  }

  /** The value under `key` as this event sees it: null when deleted, undefined when not found. */
  get(key: Buffer, event: Event | undefined): Promise<Buffer | null | undefined> {
    const found = this.lookup(key, event);
    return found instanceof Promise ? found : Promise.resolve(found);
  }

  /**
   * `get`, answered at once when memory holds the answer (the event's own writes, dirty, flushes,
   * the clean cache): a promise only for a store read. A read per event is the hot path of a
   * counting agent, and each promise layer on it is a turn of the microtask queue.
   */
  lookup(key: Buffer, event: Event | undefined): Buffer | null | undefined | Promise<Buffer | null | undefined> {
    const k = id(key);
    if (event !== undefined) {
      const own = this.#byEvent.get(event)?.writes.get(k);
      if (own !== undefined) return own.value;
    }
    const dirty = this.#dirty.get(k);
    if (dirty !== undefined) return dirty.value;
    for (let i = this.#flushes.length - 1; i >= 0; i--) {
      const flushed = this.#flushes[i]!.get(k);
      if (flushed !== undefined) return flushed.value;
    }
    const clean = this.#clean.get(k);
    if (clean !== undefined) return clean;
    if (this.#isCleanComplete) return undefined;
    return Promise.resolve(this.store.get(key));
  }

  /**
   * Before the partition is served: a store of at most `limit` keys (a new or small table) is read
   * into the clean cache whole, so reads of keys it lacks answer at once. A store read is a native
   * round trip that resolves on a later turn of the event loop; a handler that reads one new key per
   * event would otherwise take one event per turn while other stages keep the loop busy. Only for a
   * partition whose store nothing else writes (not a global table's, which its follower writes).
   */
  async warm(limit = CLEAN_CACHE_KEYS): Promise<void> {
    if (this.#isFollowerFed || this.#clean.size > 0) return;
    const found = new Map<string, Buffer | null>();
    for await (const [key, value] of this.store.iterate()) {
      if (found.size >= limit) return;
      found.set(id(key), value);
    }
    for (const [k, value] of found) this.#clean.set(k, value);
    this.#isCleanComplete = true;
  }

  /**
   * The value under `key` with every accepted write counted, those of events not yet acked too (the
   * newest first): what a window's final value is when it closes while such an event is in hand.
   */
  async peek(key: Buffer): Promise<Buffer | null | undefined> {
    const k = id(key);
    const pending = [...this.#byEvent.values()].map((e) => e.writes);
    for (let i = pending.length - 1; i >= 0; i--) {
      const own = pending[i]!.get(k);
      if (own !== undefined) return own.value;
    }
    return this.get(key, undefined);
  }

  /**
   * Records a write, and says whether the partition took it (see `takesWritesOf`). Inside an event it
   * becomes committable when the event is acked (so a commit never carries half of an event's
   * writes); outside one it is committable at once.
   */
  put(key: Buffer, value: Buffer | null, event: Event | undefined): boolean {
    if (event === undefined) {
      if (this.#isDetached) return false;
      this.#dirty.set(id(key), { key, value });
      return true;
    }
    let pending = this.#byEvent.get(event);
    const taking = pending ?? { writes: new Map<string, PendingWrite>(), origin: readOrigin(event.message) };
    if (!this.#takes(event, taking)) return false;
    const write = { key, value };
    if (event.isAcked) {
      this.#dirty.set(id(key), write);
      return true;
    }
    if (pending === undefined) {
      this.#byEvent.set(event, (pending = taking));
      event.whenAcked(() => this.#acked(event));
    }
    pending.writes.set(id(key), write);
    return true;
  }

  /** Whether writes of `event` (undefined: outside an event) land here; put() drops the others. */
  takesWritesOf(event: Event | undefined): boolean {
    return this.#takes(event, undefined);
  }

  /** `takesWritesOf`, with the event's origin header when the caller has read it. */
  #takes(event: Event | undefined, known: { readonly origin: Origin | undefined } | undefined): boolean {
    if (this.#isDetached) return false;
    if (event === undefined) return true;
    // An event of a revoked assignment, still in a handler's hands: its partition's next owner (maybe
    // this worker again, in this new partition) processes it again, so its writes must not land here.
    if (event.source?.tracker.isRevoked === true) return false;
    // A replayed event whose effects the table already holds (processed before a crash, or sent
    // twice by the upstream stage) must not apply them again.
    return this.#isFollowerFed || !this.positions.covers(event.message, known);
  }

  #acked(event: Event): void {
    const pending = this.#byEvent.get(event);
    this.#byEvent.delete(event);
    if (pending === undefined || this.#isDetached) return;
    for (const [k, write] of pending.writes) this.#dirty.set(k, write);
    this.positions.advance(event.message, pending.origin);
  }

  /** Takes the dirty writes as one flush, or undefined when there are none. */
  takeFlush(): Flush | undefined {
    if (this.#dirty.size === 0 || this.#isDetached) return undefined;
    const taken = this.#dirty;
    this.#dirty = new Map();
    this.#flushes.push(taken);
    const flush: Flush = { partition: this, entries: taken, positions: this.positions.clone() };
    if (this.#isFollowerFed) this.#sent.push(flush);
    return flush;
  }

  /**
   * Step (3) of a commit: writes a sent flush into the store with its changelog offset, then stops
   * serving it from memory. Store writes of one partition run in flush order.
   */
  writeFlush(flush: Flush): Promise<void> {
    if (this.#isFollowerFed) {
      this.followed(this.#followed);
      return Promise.resolve();
    }
    const next = this.#storeWrites.then(async () => {
      if (this.#writeFailure !== undefined) throw this.#writeFailure;
      const puts: [Buffer, Buffer][] = [];
      const deletes: Buffer[] = [];
      for (const { key, value } of flush.entries.values()) {
        if (value === null) deletes.push(key);
        else puts.push([key, value]);
      }
      try {
        await this.store.write({ puts, deletes, ...(flush.offset === undefined ? {} : { offset: flush.offset }), meta: flush.positions.encode() });
      } catch (err) {
        this.#writeFailure = err instanceof Error ? err : new Error(String(err));
        throw err;
      }
      const index = this.#flushes.indexOf(flush.entries as Map<string, PendingWrite>);
      if (index >= 0) this.#flushes.splice(index, 1);
      this.#remember(flush.entries);
    });
    this.#storeWrites = next.catch(() => undefined);
    return next;
  }

  /**
   * Global tables: the follower has written the changelog into the store up to `offset`; flushes
   * at or below it are served from the store now.
   */
  followed(offset: bigint): void {
    if (offset > this.#followed) this.#followed = offset;
    while (this.#sent.length > 0 && this.#sent[0]!.offset !== undefined && this.#sent[0]!.offset <= this.#followed) {
      const done = this.#sent.shift()!;
      const index = this.#flushes.indexOf(done.entries as Map<string, PendingWrite>);
      if (index >= 0) this.#flushes.splice(index, 1);
    }
  }

  #remember(entries: ReadonlyMap<string, PendingWrite>): void {
    const clean = this.#clean;
    for (const [k, { value }] of entries) {
      clean.delete(k);
      clean.set(k, value);
    }
    if (clean.size <= CLEAN_CACHE_KEYS) return;
    this.#isCleanComplete = false;
    let excess = clean.size - CLEAN_CACHE_KEYS;
    for (const k of clean.keys()) {
      if (excess-- <= 0) break;
      clean.delete(k);
    }
  }

  /** Resolves when every store write started so far has ended. */
  whenWritten(): Promise<void> {
    return this.#storeWrites;
  }

  /**
   * Every entry as a reader outside any event sees it (committable writes over the store), in key
   * byte order; with `after`, only the keys past it: the store iteration seeks there, it does not
   * walk from the first key; with `before`, only the keys below it.
   */
  async *entries(after?: Buffer, before?: Buffer): AsyncGenerator<[Buffer, Buffer]> {
    const byKey = new Map<string, PendingWrite>();
    for (const flush of this.#flushes) for (const [k, write] of flush) byKey.set(k, write);
    for (const [k, write] of this.#dirty) byKey.set(k, write);
    const isInRange = (key: Buffer): boolean => (after === undefined || Buffer.compare(key, after) > 0) && (before === undefined || Buffer.compare(key, before) < 0);
    const pending = [...byKey.values()].filter((w) => isInRange(w.key)).sort((a, b) => Buffer.compare(a.key, b.key));
    let next = 0;
    // The least key past `after`: `after` followed by a zero byte.
    const range = { ...(after === undefined ? {} : { gte: Buffer.concat([after, ZERO_BYTE]) }), ...(before === undefined ? {} : { lt: before }) };
    for await (const [key, value] of this.store.iterate(range)) {
      for (; next < pending.length && Buffer.compare(pending[next]!.key, key) < 0; next++) {
        const write = pending[next]!;
        if (write.value !== null) yield [write.key, write.value];
      }
      const write = next < pending.length && pending[next]!.key.equals(key) ? pending[next++]! : undefined;
      if (write === undefined) yield [key, value];
      else if (write.value !== null) yield [key, write.value];
    }
    for (; next < pending.length; next++) {
      const write = pending[next]!;
      if (write.value !== null) yield [write.key, write.value];
    }
  }

  /** Revoked: drop every pending write; what was not committed will be processed again. */
  detach(): void {
    this.#isDetached = true;
    this.#dirty.clear();
    this.#byEvent.clear();
  }
}
