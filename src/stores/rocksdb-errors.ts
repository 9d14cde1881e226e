// Turns what rocksdb-native throws (an Error whose `code` is a libuv name and whose message is the
// RocksDB status) into StoreCorruptedError or StoreIOError. Used by RocksdbStore on every call.

import { StoreCorruptedError, StoreIOError, StreamdError } from '../errors/index.js';

/** What the store was doing: on open, any failure not caused by the environment means corruption. */
export type StoreOperation = 'open' | 'read' | 'write' | 'flush' | 'close';

interface EnvironmentCondition {
  readonly matches: (code: string, message: string) => boolean;
  readonly hint: string;
  readonly isRetriable: boolean;
}

/** Failures of the machine, not of the data: wiping the store would not help. Checked in order. */
const ENVIRONMENT_CONDITIONS: readonly EnvironmentCondition[] = [
  {
    matches: (code, message) => code === 'ENOSPC' || /no space left/i.test(message),
    hint: 'free disk space, then restart: the store recovers from its changelog',
    isRetriable: false,
  },
  {
    matches: (code, message) => code === 'EROFS' || /permission denied|read-only file system|operation not permitted/i.test(message),
    hint: 'make the data directory writable by the worker',
    isRetriable: false,
  },
  {
    matches: (code, message) => code === 'ENOMEM' || /too many open files/i.test(message),
    hint: 'raise the open-files limit (ulimit -n) or lower maxOpenFiles, or give the worker more memory',
    isRetriable: false,
  },
  {
    // Same process: "lock hold by current process ... /LOCK: No locks available"; another
    // process: "While lock file: .../LOCK: Resource temporarily unavailable".
    matches: (_code, message) => /lock hold by|\/LOCK: /.test(message),
    hint: 'another opener holds the store; close it first (a partition store has one owner at a time)',
    isRetriable: true,
  },
];

/** Failures of reads and writes that still mean the data on disk is damaged. */
const CORRUPTION_MESSAGE = /corrupt|checksum mismatch|size mismatch|bad magic|bad block|truncated/i;

/** The streamd error for `err`, thrown by rocksdb-native while doing `operation` on the store at `path`. */
export function toStoreError(thrown: unknown, path: string, operation: StoreOperation): StreamdError {
  if (thrown instanceof StreamdError) return thrown;
  const err = nativeError(thrown);
  const code = typeof (err as { code?: unknown } | null)?.code === 'string' ? (err as { code: string }).code : '';
  const message = err instanceof Error ? err.message : String(err);
  const condition = ENVIRONMENT_CONDITIONS.find((c) => c.matches(code, message));
  if (condition !== undefined) {
    return new StoreIOError(path, `store ${path}: ${operation} failed (RocksDB ${code || 'error'}: ${message}); ${condition.hint}`, {
      cause: thrown,
      retriable: condition.isRetriable,
    });
  }
  if (operation === 'open' || CORRUPTION_MESSAGE.test(message)) {
    return new StoreCorruptedError(path, `store ${path} is corrupted (RocksDB ${code || 'error'} on ${operation}: ${message}); wipe it and restore it from the changelog`, {
      cause: thrown,
    });
  }
  return new StoreIOError(path, `store ${path}: ${operation} failed (RocksDB ${code || 'error'}: ${message})`, { cause: thrown });
}

/**
 * The error RocksDB itself reported. rocksdb-native wraps a failed write in `Error('Batch was not
 * applied', { cause })` and a failed read batch in an AggregateError of per-key errors (nulls for
 * the keys that were read).
 */
function nativeError(err: unknown): unknown {
  let current = err;
  for (let depth = 0; depth < 4; depth++) {
    if (current instanceof AggregateError) {
      current = (current.errors as unknown[]).find((e) => e !== null && e !== undefined) ?? current;
    } else if (current instanceof Error && current.message === 'Batch was not applied' && current.cause !== undefined) {
      current = current.cause;
    } else {
      break;
    }
  }
  return current;
}
