// Finds a RocksDB store under a directory that a running process holds open: `streamd reset` and
// `streamd clean-versions` must not delete a store a worker is using (it would corrupt it).

import { readdir } from 'node:fs/promises';
import { storeLockState } from '../stores/index.js';

/** A store in use: its directory and who holds it, in words. */
export interface StoreInUse {
  readonly store: string;
  readonly holder: string;
}

/** The first store under `dir` whose LOCK a process holds, or undefined (also when `dir` does not exist). */
export async function storeInUseUnder(dir: string): Promise<StoreInUse | undefined> {
  let entries;
  try {
    entries = await readdir(dir, { recursive: true, withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  for (const entry of entries) {
    if (!entry.isFile() || entry.name !== 'LOCK') continue;
    const store = entry.parentPath;
    const lock = await storeLockState(store);
    if (lock.isLocked !== true) continue;
    return { store, holder: lock.holderPid === undefined ? 'a running worker' : `process ${lock.holderPid}` };
  }
  return undefined;
}
