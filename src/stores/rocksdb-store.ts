// The `rocksdb://` store: one RocksDB database (rocksdb-native 3.18.1) per table partition. Opened
// by openStore; tables write to it in one batch per commit, recovery reads its offset and meta records.
//
// Write-ahead log: left on. rocksdb-native 3.18.1 writes with RocksDB's default WriteOptions (WAL on,
// no fsync) and offers no way to turn it off. That is safe either way: the data, the offset record and
// the meta record go into one WriteBatch, which RocksDB logs and applies as one unit, so a crash keeps
// or loses them together (point-in-time WAL recovery replays whole batches only). The store never
// claims an offset whose data it lacks. `close()` flushes the memtables into an SST, so a reopen
// replays no WAL.

import { rm } from 'node:fs/promises';
import RocksDB from 'rocksdb-native';
import { IllegalStateError, StoreCorruptedError, type StreamdError } from '../errors/index.js';
import { checkKeyRange, isEmptyKeyRange } from './store-checks.js';
import { resolveRocksdbOptions, type RocksdbOptions } from './rocksdb-options.js';
import { toStoreError } from './rocksdb-errors.js';
import { fastenOperationType, operationsOf } from './rocksdb-op-types.js';
import {
  META_RECORD_KEY,
  OFFSET_RECORD_KEY,
  decodeOffset,
  encodeOffset,
  fromStoredKey,
  toStoredBounds,
  toStoredKey,
  toStoredKeys,
} from './rocksdb-key-layout.js';
import type { KeyRange, Store, StoreMemoryUsage, StoreWriteBatch } from './types.js';

/**
 * A Store on RocksDB. Every rocksdb-native batch it creates is destroyed in a `finally`, and
 * `close()` destroys iterators still open, because the database never closes while either lives.
 */
export class RocksdbStore implements Store {
  readonly path: string;
  readonly #db: RocksDB;
  readonly #iteratorCapacity: number;
  readonly #isReadOnly: boolean;
  readonly #hasBlockCache: boolean;
  readonly #openIterators = new Set<RocksDB.Iterator>();
  #closing: Promise<void> | undefined;
  #destroying: Promise<void> | undefined;

  private constructor(path: string, db: RocksDB, iteratorCapacity: number, isReadOnly: boolean, hasBlockCache: boolean) {
    this.path = path;
    this.#hasBlockCache = hasBlockCache;
    this.#db = db;
    this.#iteratorCapacity = iteratorCapacity;
    this.#isReadOnly = isReadOnly;
  }

  /**
   * Opens (creating if missing) the database at `path`. Rejects with StoreCorruptedError when RocksDB
   * finds the files damaged or the offset record unreadable, StoreIOError when the machine is at
   * fault (disk full, permissions, the store locked by another opener).
   */
  static open(path: string, options: RocksdbOptions = {}): Promise<RocksdbStore> {
    return RocksdbStore.#open(path, options, false);
  }

  /**
   * Opens an existing database for reading only, for inspection (`streamd tables`). RocksDB takes no
   * LOCK for a read-only open and writes nothing to the directory, so this succeeds even while a
   * worker holds the store, and shows the data as of this open. `write` and `destroy` reject with
   * IllegalStateError; `close` releases without flushing. A directory without a database rejects
   * with StoreCorruptedError, as `open` does for damaged files.
   */
  static openReadOnly(path: string, options: RocksdbOptions = {}): Promise<RocksdbStore> {
    return RocksdbStore.#open(path, options, true);
  }

  static async #open(path: string, options: RocksdbOptions, isReadOnly: boolean): Promise<RocksdbStore> {
    const tuning = resolveRocksdbOptions(options);
    const db = new RocksDB(path, {
      createIfMissing: !isReadOnly,
      readOnly: isReadOnly,
      writeBufferSize: tuning.writeBufferSize,
      maxWriteBufferNumber: tuning.maxWriteBufferNumber,
      blockCache: tuning.blockCache,
      tableCacheIndexAndFilterBlocks: tuning.blockCache,
      maxOpenFiles: tuning.maxOpenFiles,
    });
    try {
      await db.ready();
    } catch (err) {
      // A failed open releases the LOCK and closes the handle itself (ready-resource); nothing to close.
      throw toStoreError(err, path, 'open');
    }
    const store = new RocksdbStore(path, db, tuning.iteratorCapacity, isReadOnly, tuning.blockCache);
    try {
      await store.offset();
    } catch (err) {
      await store.close().catch(() => undefined);
      throw err;
    }
    return store;
  }

  async get(key: Buffer): Promise<Buffer | undefined> {
    this.#assertOpen('get');
    const [value] = await this.#readMany([toStoredKey(key)]);
    return value;
  }

  async getMany(keys: readonly Buffer[]): Promise<(Buffer | undefined)[]> {
    this.#assertOpen('getMany');
    if (keys.length === 0) return [];
    return this.#readMany(toStoredKeys(keys));
  }

  async write(batch: StoreWriteBatch): Promise<void> {
    this.#assertOpen('write');
    this.#assertWritable('write');
    const offsetValue = batch.offset === undefined ? undefined : encodeOffset(batch.offset);
    const operations = batch.puts.length + batch.deletes.length + (offsetValue === undefined ? 0 : 1) + (batch.meta === undefined ? 0 : 1);
    if (operations === 0) return;
    const putKeys = toStoredKeys(batch.puts.map(([key]) => key));
    const deleteKeys = toStoredKeys(batch.deletes);
    const write = this.#db.write({ capacity: operations });
    try {
      batch.puts.forEach(([, value], i) => write.tryPut(putKeys[i] as Buffer, value));
      for (const key of deleteKeys) write.tryDelete(key);
      // Once per operation class; a check of the prototype per write after that.
      const written = operationsOf(write);
      if (batch.puts.length > 0) fastenOperationType(written[0]);
      if (deleteKeys.length > 0) fastenOperationType(written[batch.puts.length]);
      if (offsetValue !== undefined) write.tryPut(OFFSET_RECORD_KEY, offsetValue);
      if (batch.meta !== undefined) write.tryPut(META_RECORD_KEY, batch.meta);
      await write.flush();
    } catch (err) {
      throw toStoreError(err, this.path, 'write');
    } finally {
      write.destroy();
    }
  }

  async offset(): Promise<bigint | undefined> {
    this.#assertOpen('offset');
    const [value] = await this.#readMany([OFFSET_RECORD_KEY]);
    if (value === undefined) return undefined;
    const offset = decodeOffset(value);
    if (offset === undefined) {
      throw new StoreCorruptedError(
        this.path,
        `store ${this.path}: its changelog offset record holds ${value.length} bytes (${value.toString('hex')}), not an offset; wipe it and restore it from the changelog`,
      );
    }
    return offset;
  }

  async meta(): Promise<Buffer | undefined> {
    this.#assertOpen('meta');
    const [value] = await this.#readMany([META_RECORD_KEY]);
    return value;
  }

  async *iterate(range: KeyRange = {}): AsyncGenerator<[Buffer, Buffer]> {
    this.#assertOpen('iterate');
    checkKeyRange(range);
    if (isEmptyKeyRange(range)) return;
    const iterator = this.#db.iterator(toStoredBounds(range), {
      reverse: range.reverse === true,
      capacity: this.#iteratorCapacity,
      ...(range.limit === undefined ? {} : { limit: range.limit }),
    });
    this.#openIterators.add(iterator);
    try {
      for await (const { key, value } of iterator) yield [fromStoredKey(key), value];
    } catch (err) {
      if (this.#closing !== undefined) throw new IllegalStateError(`store ${this.path}: closed while an iteration was open`);
      throw toStoreError(err, this.path, 'read');
    } finally {
      this.#openIterators.delete(iterator);
      iterator.destroy();
    }
    // A destroyed iterator may end without an error: do not pass a cut-short scan off as complete.
    if (this.#closing !== undefined) throw new IllegalStateError(`store ${this.path}: closed while an iteration was open`);
  }

  async approximateSize(): Promise<number> {
    this.#assertOpen('approximateSize');
    try {
      const [files, memtables] = await Promise.all([
        this.#db.getProperty('rocksdb.total-sst-files-size'),
        this.#db.getProperty('rocksdb.size-all-mem-tables'),
      ]);
      return Number(files) + Number(memtables);
    } catch (err) {
      throw toStoreError(err, this.path, 'read');
    }
  }

  /**
   * What the store holds in memory now: its memtables (active, and immutable ones not yet flushed)
   * and what its block cache holds (0 without one). Bounded by the options it was opened with.
   */
  async memoryUsage(): Promise<StoreMemoryUsage> {
    this.#assertOpen('memoryUsage');
    try {
      const memtables = await this.#db.getProperty('rocksdb.size-all-mem-tables');
      const blockCache = this.#hasBlockCache ? await this.#db.getProperty('rocksdb.block-cache-usage') : '0';
      return { memtableBytes: Number(memtables), blockCacheBytes: Number(blockCache) };
    } catch (err) {
      throw toStoreError(err, this.path, 'read');
    }
  }

  /**
   * Releases open iterators, flushes the memtables into an SST file, closes the database. Each step
   * runs even if the one before failed; the first failure rejects (the data is still in the WAL).
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  /** Closes the store (ignoring a failed flush) and deletes its directory. */
  destroy(): Promise<void> {
    if (this.#isReadOnly) return Promise.reject(new IllegalStateError(`store ${this.path}: destroy() on a store opened read-only`));
    this.#destroying ??= (async () => {
      await this.close().catch(() => undefined);
      await rm(this.path, { recursive: true, force: true });
    })();
    return this.#destroying;
  }

  async #close(): Promise<void> {
    for (const iterator of this.#openIterators) iterator.destroy();
    this.#openIterators.clear();
    let failure: StreamdError | undefined;
    try {
      // A read-only database has nothing to flush, and RocksDB refuses the call.
      if (!this.#isReadOnly) await this.#db.flush();
    } catch (err) {
      failure = toStoreError(err, this.path, 'flush');
    }
    try {
      await this.#db.close();
    } catch (err) {
      failure ??= toStoreError(err, this.path, 'close');
    }
    if (failure !== undefined) throw failure;
  }

  /** Reads stored keys in one batch; `undefined` for a missing key. */
  async #readMany(storedKeys: readonly Buffer[]): Promise<(Buffer | undefined)[]> {
    const read = this.#db.read({ capacity: storedKeys.length });
    try {
      const values = storedKeys.map((key) => read.get(key));
      // The batch rejects as a whole when any get fails; the per-key rejections carry nothing more.
      for (const value of values) void value.catch(() => undefined);
      await read.flush();
      return (await Promise.all(values)).map((value) => value ?? undefined);
    } catch (err) {
      throw toStoreError(err, this.path, 'read');
    } finally {
      read.destroy();
    }
  }

  #assertOpen(operation: string): void {
    if (this.#closing !== undefined) throw new IllegalStateError(`store ${this.path}: ${operation} after close()`);
  }

  #assertWritable(operation: string): void {
    if (this.#isReadOnly) throw new IllegalStateError(`store ${this.path}: ${operation} on a store opened read-only`);
  }
}
