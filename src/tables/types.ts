// The table API a handler sees (ARCHITECTURE §1): reads are async because the store is; writes go
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

export type AnyTable = Table | SetTable;
