// The table API a handler sees (README, The handler API): reads are async because the store is; writes go
// into a write-back cache and reach the changelog and the store at the next commit.

/** A partitioned (or global) key-value table. `get` returns the declared default for a missing key. */
export interface Table<K = unknown, V = unknown> {
  readonly name: string;
  get(key: K): Promise<V>;
  /** Whether the key has a value (the default does not count). */
  has(key: K): Promise<boolean>;
  set(key: K, value: V): void;
  delete(key: K): void;
  /** Reads, applies `fn`, writes and returns the new value. */
  update(key: K, fn: (current: V) => V): Promise<V>;
  /** Entries of the partitions this worker holds, in key byte order per partition. */
  entries(): AsyncIterable<[K, V]>;
}

/** A table whose values are sets of elements (Faust's SetTable). */
export interface SetTable<K = unknown, E = unknown> {
  readonly name: string;
  /** The set under `key`; empty when missing. */
  get(key: K): Promise<Set<E>>;
  has(key: K): Promise<boolean>;
  add(key: K, ...elements: E[]): Promise<void>;
  discard(key: K, ...elements: E[]): Promise<void>;
  clear(key: K): void;
  entries(): AsyncIterable<[K, Set<E>]>;
}

export type AnyTable = Table | SetTable | WindowedTable;

/** One window of a key in a windowed table: `[start, end)` in epoch ms. */
export interface WindowValue<V = unknown> {
  readonly start: number;
  readonly end: number;
  readonly value: V;
  /** True once the window takes no more events (its end + grace passed, or its partition idled out). */
  readonly closed: boolean;
}

/** What `onWindowClose` gets for each closed window, and what `emit: final` sends to the sink. */
export interface ClosedWindow<K = unknown, V = unknown> {
  readonly table: string;
  readonly key: K;
  readonly start: number;
  readonly end: number;
  readonly value: V;
}

/**
 * A windowed table (Faust's WindowWrapper): each key holds one value per window. Writes apply to
 * every window that contains the event's time; reads pick a window by time. Times are epoch ms.
 */
export interface WindowedTable<K = unknown, V = unknown> {
  readonly name: string;
  /**
   * Applies `fn` in every open window containing the event's time (one for tumbling, size/step for
   * hopping; a session merges with the key's sessions within the gap, their values combined by
   * `merge`: by default numbers add and arrays concatenate). Windows already closed are skipped;
   * an event all of whose windows are closed is dropped and counted as late.
   */
  update(key: K, fn: (current: V) => V, options?: { readonly merge?: (a: V, b: V) => V }): Promise<void>;
  /** Sets the value in every open window containing the event's time. */
  set(key: K, value: V): Promise<void>;
  /** The value in the latest window containing the event's time (the table's relativeTo time). */
  current(key: K): Promise<V>;
  /** The value in the latest window containing the wall clock's time. */
  now(key: K): Promise<V>;
  /** The value in the latest window containing the event's time minus `durationMs`. */
  delta(key: K, durationMs: number): Promise<V>;
  /** The value in the latest window containing `time`. */
  at(key: K, time: number): Promise<V>;
  /** The key's windows that overlap `[from, to]` (all when absent), oldest first. */
  windows(key: K, from?: number, to?: number): Promise<WindowValue<V>[]>;
}
