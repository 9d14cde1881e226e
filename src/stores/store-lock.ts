// Tells whether a process holds a RocksDB store, without opening it: RocksDB holds a POSIX (fcntl)
// lock on `<store>/LOCK` while open, and Linux lists every such lock in /proc/locks. Used by store
// inspection (`streamd tables`) and by `streamd reset`, which must not delete a store in use.

import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Whether the store's LOCK file is locked, and by which process when Linux says so. */
export type StoreLockState =
  | { readonly isLocked: false }
  | { readonly isLocked: true; readonly holderPid: number | undefined }
  /** No /proc/locks (not Linux): nobody can tell without opening the store. */
  | { readonly isLocked: undefined };

/** Where Linux lists the file locks. */
const PROC_LOCKS = '/proc/locks';

/**
 * The lock state of the RocksDB store at `path`. A store without a LOCK file is not locked. Reads
 * `locksFile` (default /proc/locks) and matches the LOCK file's device and inode; a lock held by
 * this very process counts too.
 */
export async function storeLockState(path: string, locksFile = PROC_LOCKS): Promise<StoreLockState> {
  let lockFile;
  try {
    lockFile = await stat(join(path, 'LOCK'), { bigint: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { isLocked: false };
    throw err;
  }
  let locks: string;
  try {
    locks = await readFile(locksFile, 'utf8');
  } catch {
    return { isLocked: undefined };
  }
  const wanted = `${deviceMajor(lockFile.dev).toString(16)}:${deviceMinor(lockFile.dev).toString(16)}:${lockFile.ino}`;
  for (const line of locks.split('\n')) {
    const lock = parseLockLine(line);
    if (lock === undefined || lock.file.toLowerCase() !== wanted) continue;
    return { isLocked: true, holderPid: lock.pid > 0 ? lock.pid : undefined };
  }
  return { isLocked: false };
}

/**
 * One line of /proc/locks, e.g. `1: POSIX  ADVISORY  WRITE 21070 fe:00:10027065 0 EOF`; blocked
 * waiters (`1: -> POSIX ...`) are not holders. The file is `major:minor:inode`, the first two in hex
 * (zero-padded to two digits, so they are normalised here).
 */
function parseLockLine(line: string): { readonly pid: number; readonly file: string } | undefined {
  const fields = line.trim().split(/\s+/);
  if (fields[1] === '->') return undefined;
  const pid = Number(fields[4]);
  const file = /^([0-9a-f]+):([0-9a-f]+):(\d+)$/i.exec(fields[5] ?? '');
  if (!Number.isInteger(pid) || file === null) return undefined;
  const [, major, minor, inode] = file as unknown as [string, string, string, string];
  return { pid, file: `${parseInt(major, 16).toString(16)}:${parseInt(minor, 16).toString(16)}:${inode}` };
}

/** glibc's `major()` of a Linux dev_t. */
function deviceMajor(dev: bigint): bigint {
  return ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
}

/** glibc's `minor()` of a Linux dev_t. */
function deviceMinor(dev: bigint): bigint {
  return (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
}
