// Picks the store adapter from the table's store URL and opens one partition's store; `openOrRebuild`
// is what table recovery calls: a store that fails to open as corrupted is wiped and opened empty.

import { rm } from 'node:fs/promises';
import { ConfigError, StoreCorruptedError } from '../errors/index.js';
import { MemoryStore } from './memory-store.js';
import { RocksdbStore } from './rocksdb-store.js';
import type { Store, StoreFactory, StoreOpenOptions, StoreRebuildOptions } from './types.js';

/** The store URLs streamd knows; `rocksdb:` and `memory:` (no slashes) are accepted too. */
export type StoreUrl = 'rocksdb://' | 'memory://';

const ADAPTERS: Record<string, (options: StoreOpenOptions) => Promise<Store>> = {
  rocksdb: ({ path, options }) => RocksdbStore.open(path, options),
  memory: ({ path }) => Promise.resolve(new MemoryStore(path)),
};

/** Opens the store that `url` names at `options.path`. An unknown URL is a ConfigError. */
export const openStore: StoreFactory = (url, options) => {
  const scheme = /^([a-z]+):(?:\/\/)?$/.exec(url)?.[1];
  const adapter = scheme === undefined ? undefined : ADAPTERS[scheme];
  if (adapter === undefined) {
    return Promise.reject(new ConfigError(`unknown store URL "${url}": use rocksdb:// (on disk) or memory:// (in process, replayed from the changelog at every start)`));
  }
  return adapter(options);
};

/**
 * Opens the store, or, when it is corrupted (StoreCorruptedError), deletes its directory, logs a
 * warning that says so, and opens a fresh empty store, whose `offset()` is `undefined`: the caller
 * restores it from the changelog's start. Any other failure (disk full, locked) is rethrown: wiping
 * would not cure it. A store that is still corrupted after the wipe rejects too.
 */
export async function openOrRebuild(url: string, options: StoreRebuildOptions): Promise<Store> {
  const { logger, ...openOptions } = options;
  try {
    return await openStore(url, openOptions);
  } catch (err) {
    if (!(err instanceof StoreCorruptedError)) throw err;
    logger.warn(
      { store: openOptions.path, code: err.code, reason: err.message, action: 'wipe-and-rebuild' },
      'store is corrupted: wiping it; it will be rebuilt from its changelog',
    );
    await rm(openOptions.path, { recursive: true, force: true });
    const store = await openStore(url, openOptions);
    logger.info({ store: openOptions.path }, 'store wiped and reopened empty: restore it from the changelog');
    return store;
  }
}
