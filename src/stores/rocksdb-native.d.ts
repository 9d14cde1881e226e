// Types for the parts of rocksdb-native 3.18.1 that RocksdbStore uses (the package ships none).
// Written from its lib/*.js; keys and values are Buffers because no encodings are configured.

declare module 'rocksdb-native' {
  namespace RocksDB {
    /** Column-family (and so default-family) options, from lib/column-family.js. */
    interface ColumnFamilyOptions {
      /** Bytes per memtable (default 64 MiB). */
      readonly writeBufferSize?: number;
      /** Memtables per column family (default 2). */
      readonly maxWriteBufferNumber?: number;
      /** `false` disables the block cache; `true` (default) uses RocksDB's internal 32 MiB LRU cache. */
      readonly blockCache?: boolean;
      /** Default true. */
      readonly tableCacheIndexAndFilterBlocks?: boolean;
      /** Default 8192. */
      readonly tableBlockSize?: number;
    }

    /** Database options, from lib/state.js. */
    interface OpenOptions extends ColumnFamilyOptions {
      /** Default true. */
      readonly createIfMissing?: boolean;
      /** Default false. */
      readonly readOnly?: boolean;
      /** Default -1 (keep every SST file open). */
      readonly maxOpenFiles?: number;
      /** Default 6. */
      readonly maxBackgroundJobs?: number;
      /** Default false: on close, memtables are flushed only when unpersisted (WAL-less) data exists. */
      readonly avoidFlushDuringShutdown?: boolean;
    }

    /** Iterator bounds; an empty Buffer bound means "unbounded". */
    interface Range {
      readonly gt?: Buffer;
      readonly gte?: Buffer;
      readonly lt?: Buffer;
      readonly lte?: Buffer;
    }

    interface IteratorOptions {
      readonly reverse?: boolean;
      /** Default Infinity; a negative value also means Infinity. */
      readonly limit?: number;
      /** Entries fetched per native call (default 8). */
      readonly capacity?: number;
      readonly values?: boolean;
    }

    interface Entry {
      readonly key: Buffer;
      readonly value: Buffer;
    }

    /** A streamx Readable of entries. Holds a handle on the database until destroyed or ended. */
    interface Iterator extends AsyncIterable<Entry> {
      readonly destroyed: boolean;
      destroy(error?: Error): void;
    }

    interface BatchOptions {
      /** Initial operation capacity; grows by doubling. Default 8. */
      readonly capacity?: number;
      /** Destroy the batch after its flush. Default false: the caller must `destroy()` it. */
      readonly autoDestroy?: boolean;
    }

    /** Holds a handle on the database until `destroy()`: `close()` never resolves before that. */
    interface ReadBatch {
      /** Resolves to `null` for a missing key once the batch is flushed. */
      get(key: Buffer): Promise<Buffer | null>;
      /** Runs the queued gets; rejects (AggregateError) if any failed, as do their own promises. */
      flush(): Promise<void>;
      /** Throws while a flush is in progress. */
      destroy(): void;
    }

    /** Holds a handle on the database until `destroy()`: `close()` never resolves before that. */
    interface WriteBatch {
      tryPut(key: Buffer, value: Buffer): void;
      tryDelete(key: Buffer): void;
      /** Applies the queued operations as one RocksDB WriteBatch (atomic). */
      flush(): Promise<void>;
      /** Throws while a flush is in progress. */
      destroy(): void;
    }

    /** The error every failed native call rejects with: `code` is a libuv name (EIO, ENOSPC, ...). */
    interface NativeError extends Error {
      readonly code?: string;
    }
  }

  class RocksDB {
    constructor(path: string, options?: RocksDB.OpenOptions);
    readonly opened: boolean;
    readonly closed: boolean;
    readonly path: string;
    /** Opens the database; rejects with the RocksDB status message (e.g. "Sst file size mismatch ..."). */
    ready(): Promise<void>;
    /** Waits for every batch and iterator to be released, then closes. */
    close(options?: { readonly force?: boolean }): Promise<void>;
    read(options?: RocksDB.BatchOptions): RocksDB.ReadBatch;
    write(options?: RocksDB.BatchOptions): RocksDB.WriteBatch;
    iterator(range?: RocksDB.Range, options?: RocksDB.IteratorOptions): RocksDB.Iterator;
    /** Flushes the memtables of the default column family to an SST file. */
    flush(): Promise<void>;
    /** A RocksDB property as a string, e.g. `rocksdb.total-sst-files-size`. */
    getProperty(name: string): Promise<string>;
  }

  export = RocksDB;
}
