// RocksDB tuning for one table-partition store, with defaults that bound its memory. Read by
// RocksdbStore when it opens a database; set per table in the manifest's `options`.

import { ConfigError } from '../errors/index.js';

/**
 * Per-store RocksDB options. Memory of one open store is about
 * `writeBufferSize × maxWriteBufferNumber` for memtables plus 32 MiB of block cache when
 * `blockCache` is on, so a worker holding N partitions needs N times that at most.
 */
export interface RocksdbOptions {
  /**
   * Default 8 MiB (settings.storeWriteBufferBytes): bytes one memtable holds before it is flushed to an SST file. Too low (under
   * 1 MiB): many tiny L0 files, constant flushing and compaction, write stalls at commit bursts. Too
   * high: memory per partition times the partitions held, and a longer flush when the store closes.
   */
  readonly writeBufferSize?: number;
  /**
   * Default 2: memtables (one active, the rest flushing). 1 stalls every write while a flush runs;
   * more than 3 only adds memory, because commits write in bursts that a second memtable absorbs.
   */
  readonly maxWriteBufferNumber?: number;
  /**
   * Default true: an LRU block cache for reads, holding index and filter blocks too. rocksdb-native
   * 3.18.1 cannot size it: each store gets RocksDB's internal 32 MiB cache, filled only as blocks are
   * read. Off: no cache memory, but every read decodes its block again from the OS page cache and
   * index/filter blocks stay pinned by the open table files instead.
   */
  readonly blockCache?: boolean;
  /**
   * Default 256: SST files kept open per store. Too low: files are reopened on reads (table-cache
   * churn, slower gets). -1 (unlimited, RocksDB's default) or too high: a worker with many partition
   * stores runs out of file descriptors ("Too many open files").
   */
  readonly maxOpenFiles?: number;
  /**
   * Default 512: entries an iterator fetches per native call (RocksDB-native's own default is 8).
   * Too low: one round trip per few entries (a 100k scan takes ~2.5× longer at 8). Too high: more
   * entries buffered per open iterator and a longer wait for the first entry of an unlimited scan
   * (a scan with `limit` fetches at most `limit`). Keep 256–1024.
   */
  readonly iteratorCapacity?: number;
}

/** The defaults, each explained on `RocksdbOptions`. */
export const DEFAULT_ROCKSDB_OPTIONS: Required<RocksdbOptions> = {
  writeBufferSize: 8 * 1024 * 1024,
  maxWriteBufferNumber: 2,
  blockCache: true,
  maxOpenFiles: 256,
  iteratorCapacity: 512,
};

/** `options` over the defaults; rejects values RocksDB would misbehave with. */
export function resolveRocksdbOptions(options: RocksdbOptions = {}): Required<RocksdbOptions> {
  const resolved = { ...DEFAULT_ROCKSDB_OPTIONS, ...definedOnly(options) };
  requireInteger('writeBufferSize', resolved.writeBufferSize, 64 * 1024);
  requireInteger('maxWriteBufferNumber', resolved.maxWriteBufferNumber, 1);
  requireInteger('iteratorCapacity', resolved.iteratorCapacity, 1);
  if (resolved.maxOpenFiles !== -1) requireInteger('maxOpenFiles', resolved.maxOpenFiles, 16);
  return resolved;
}

function definedOnly(options: RocksdbOptions): RocksdbOptions {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}

function requireInteger(name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new ConfigError(`RocksDB option ${name} must be an integer of at least ${min}, got ${value}`);
  }
}
