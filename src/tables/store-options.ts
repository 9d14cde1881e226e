// The RocksDB tuning of every table-partition store, from the worker's settings (storeWriteBufferBytes,
// storeMaxWriteBuffers, storeBlockCache). Tables opens each store with it.

import type { Settings } from '../manifest/index.js';
import type { RocksdbOptions } from '../stores/index.js';

/**
 * The store options that bound a worker's RocksDB memory: at most
 * `storeWriteBufferBytes × storeMaxWriteBuffers` of memtables and, with `storeBlockCache`, 32 MiB of
 * block cache per table partition held (active or standby).
 */
export function storeOptionsOf(settings: Pick<Settings, 'storeWriteBufferBytes' | 'storeMaxWriteBuffers' | 'storeBlockCache'>): RocksdbOptions {
  return {
    writeBufferSize: settings.storeWriteBufferBytes,
    maxWriteBufferNumber: settings.storeMaxWriteBuffers,
    blockCache: settings.storeBlockCache,
  };
}
