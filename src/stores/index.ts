// Public surface of the stores area: the Store port, its two adapters, the URL-based opener that
// table recovery uses (`openOrRebuild` wipes a corrupted store so it can be restored from its changelog),
// and the read-only inspection the CLI uses (`inspectRocksdbStore`, `storeLockState`).

export type * from './types.js';
export { MemoryStore } from './memory-store.js';
export { RocksdbStore } from './rocksdb-store.js';
export { DEFAULT_ROCKSDB_OPTIONS, resolveRocksdbOptions, type RocksdbOptions } from './rocksdb-options.js';
export { openOrRebuild, openStore, type StoreUrl } from './open-store.js';
export { directoryBytes, inspectRocksdbStore, type StoreInspection, type StoreInspectionOptions } from './store-inspection.js';
export { storeLockState, type StoreLockState } from './store-lock.js';
