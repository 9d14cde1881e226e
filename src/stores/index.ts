// Public surface of the stores area: the Store port, its two adapters, and the URL-based opener that
// table recovery uses (`openOrRebuild` wipes a corrupted store so it can be restored from its changelog).

export type * from './types.js';
export { MemoryStore } from './memory-store.js';
export { RocksdbStore } from './rocksdb-store.js';
export { DEFAULT_ROCKSDB_OPTIONS, resolveRocksdbOptions, type RocksdbOptions } from './rocksdb-options.js';
export { openOrRebuild, openStore, type StoreUrl } from './open-store.js';
