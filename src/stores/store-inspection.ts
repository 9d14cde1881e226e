// Reports on one RocksDB partition store without changing it: its bytes on disk, whether a worker
// holds it, and the changelog offset it records. Called by `streamd tables` and `streamd reset`.

import { access, lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { hasCode } from '../errors/index.js';
import { RocksdbStore } from './rocksdb-store.js';
import { storeLockState } from './store-lock.js';

/** What `inspectRocksdbStore` found. `bytes` counts every file under the store's directory. */
export type StoreInspection = { readonly path: string; readonly bytes: number } & (
  /** Opened read-only; `offset` is the changelog offset it records (`undefined`: none yet). */
  | { readonly status: 'ok'; readonly offset: bigint | undefined }
  /** The directory holds no database yet: a worker opens it as an empty store. */
  | { readonly status: 'empty' }
  /** A process (a running worker) holds the store's lock; it was not opened. */
  | { readonly status: 'in-use'; readonly holderPid: number | undefined }
  /** RocksDB found the files damaged: a worker wipes the store and restores it from the changelog. */
  | { readonly status: 'corrupted'; readonly reason: string }
  /** The machine is in the way (permissions, open files): fix that; wiping would not help. */
  | { readonly status: 'unreadable'; readonly reason: string }
);

/** Options of `inspectRocksdbStore`, for tests. */
export interface StoreInspectionOptions {
  /** Default /proc/locks (see store-lock.ts). */
  readonly locksFile?: string;
}

/** Light tuning for a short read-only look: no block cache, few open files. */
const INSPECTION_TUNING = { blockCache: false, maxOpenFiles: 16 } as const;

/**
 * Inspects the RocksDB store in the directory `path` (which exists). A store a worker holds is
 * reported `in-use` and left unopened. Otherwise the store is opened read-only, which takes no lock
 * and writes nothing, so a worker starting meanwhile is not disturbed. Where the lock cannot be read
 * (not Linux), the read-only open goes ahead.
 */
export async function inspectRocksdbStore(path: string, options: StoreInspectionOptions = {}): Promise<StoreInspection> {
  const bytes = await directoryBytes(path);
  const lock = await storeLockState(path, options.locksFile);
  if (lock.isLocked === true) return { path, bytes, status: 'in-use', holderPid: lock.holderPid };
  if (!(await exists(join(path, 'CURRENT')))) return { path, bytes, status: 'empty' };
  try {
    const store = await RocksdbStore.openReadOnly(path, INSPECTION_TUNING);
    try {
      return { path, bytes, status: 'ok', offset: await store.offset() };
    } finally {
      await store.close();
    }
  } catch (err) {
    if (hasCode(err, 'STREAMD_STORE_CORRUPTED')) return { path, bytes, status: 'corrupted', reason: rocksdbReason(err) };
    if (hasCode(err, 'STREAMD_STORE_IO')) return { path, bytes, status: 'unreadable', reason: rocksdbReason(err) };
    throw err;
  }
}

/** Bytes of the regular files under `dir`, recursively; 0 when it does not exist. Files that vanish meanwhile count 0. */
export async function directoryBytes(dir: string): Promise<number> {
  let entries;
  try {
    entries = await readdir(dir, { recursive: true, withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  const sizes = await Promise.all(entries.filter((entry) => entry.isFile()).map(async (entry) => {
    try {
      return (await lstat(join(entry.parentPath, entry.name))).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw err;
    }
  }));
  return sizes.reduce((sum, size) => sum + size, 0);
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

/** What RocksDB said (the store error's cause), without the advice the store error adds. */
function rocksdbReason(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause;
  if (cause instanceof Error) return cause.message;
  return err instanceof Error ? err.message : String(err);
}
