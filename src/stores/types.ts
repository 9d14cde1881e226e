// The Store port: the local key-value storage behind one table partition. Tables (write-back cache,
// recovery) talk to it; `RocksdbStore` and `MemoryStore` implement it. Keys and values are raw bytes.

import type { Logger } from 'pino';
import type { RocksdbOptions } from './rocksdb-options.js';

/**
 * One atomic write: the puts, then the deletes, the highest changelog offset they applied, and the
 * table's metadata blob as of this write.
 */
export interface StoreWriteBatch {
  /** Applied in order: a key put twice in one batch holds the later value. */
  readonly puts: readonly (readonly [key: Buffer, value: Buffer])[];
  /** Applied after the puts: a key both put and deleted in one batch ends up deleted. */
  readonly deletes: readonly Buffer[];
  /**
   * The highest changelog offset this batch (and everything before it) applied. Recorded in the same
   * atomic write as the data, so the store never claims more than it holds. Omitted: unchanged.
   */
  readonly offset?: bigint;
  /**
   * An opaque blob that replaces the stored one in the same atomic write as the data and the offset
   * (table recovery keeps there the source offsets the table state reflects). Omitted: unchanged. An
   * empty Buffer is stored as an empty blob, not as "none".
   */
  readonly meta?: Buffer;
}

/** A key range in byte order (`Buffer.compare`). Both bounds optional; `lt` is exclusive. */
export interface KeyRange {
  readonly gte?: Buffer;
  readonly lt?: Buffer;
  /** Default false: ascending byte order. */
  readonly reverse?: boolean;
  /** At most this many entries (a non-negative integer). Default: all. */
  readonly limit?: number;
}

/**
 * A table partition's local store. Every method but `close`/`destroy` rejects with
 * `IllegalStateError` after `close()` was called; I/O failures reject with `StoreIOError`,
 * untrustworthy data with `StoreCorruptedError`.
 */
export interface Store {
  /** The directory of an on-disk store; for memory stores, the path it was opened with. */
  readonly path: string;
  /** The value under `key`, or `undefined`. */
  get(key: Buffer): Promise<Buffer | undefined>;
  /** The values under `keys`, in the same order, read in one batch. */
  getMany(keys: readonly Buffer[]): Promise<(Buffer | undefined)[]>;
  /** Applies the batch atomically: all of it, with its offset and meta, or none of it. */
  write(batch: StoreWriteBatch): Promise<void>;
  /** The changelog offset recorded by the last write that carried one, or `undefined` for none. */
  offset(): Promise<bigint | undefined>;
  /** The blob recorded by the last write that carried `meta` (a copy), or `undefined` for none. */
  meta(): Promise<Buffer | undefined>;
  /**
   * The entries in `range`, in byte order of the keys (reversed when asked), read from a snapshot
   * taken when iteration starts. Never yields the offset or meta record. Breaking out of a `for await`
   * releases the iterator; `close()` releases any iterator still open.
   */
  iterate(range?: KeyRange): AsyncIterable<[key: Buffer, value: Buffer]>;
  /** Approximate bytes the data takes (on disk plus memtables for RocksDB), for metrics. */
  approximateSize?(): Promise<number>;
  /** What a RocksDB store holds in memory now (memtables, block cache), for metrics; memory stores have none of their own. */
  memoryUsage?(): Promise<StoreMemoryUsage>;
  /** Releases the store; idempotent (every call returns the same promise). Data stays. */
  close(): Promise<void>;
  /** Closes the store and deletes its files; idempotent. */
  destroy(): Promise<void>;
}

/** A store's native memory: its memtables (active and not yet flushed) and its block cache's contents. */
export interface StoreMemoryUsage {
  readonly memtableBytes: number;
  readonly blockCacheBytes: number;
}

/** Where and how `openStore` opens a store. */
export interface StoreOpenOptions {
  /** The store's directory: `<datadir>/<id>/v<version>/tables/<table>-<partition>`. */
  readonly path: string;
  /** RocksDB tuning; memory stores ignore it. */
  readonly options?: RocksdbOptions;
}

/** What `openOrRebuild` needs besides the open options: where it says it wiped a store. */
export interface StoreRebuildOptions extends StoreOpenOptions {
  readonly logger: Logger;
}

/** Opens the store named by a URL (`rocksdb://`, `memory://`) at a path. */
export type StoreFactory = (url: string, options: StoreOpenOptions) => Promise<Store>;
