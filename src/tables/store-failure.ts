// The one fatal line of a table store that cannot be written or opened (a full disk, permissions),
// and the error the worker stops with. Tables calls it for store writes, recovery writes and opens.

import type { Logger } from 'pino';
import { StreamdError } from '../errors/index.js';

export interface StoreFailure {
  readonly table: string;
  readonly partition: number;
  /** The store's directory. */
  readonly path: string;
  readonly cause: unknown;
  /** What failed, e.g. "a store write". */
  readonly what: string;
}

/** Logs code, table, partition, path and what to do, once; returns the error to stop with. */
export function reportStoreFailure(log: Logger, { table, partition, path, cause, what }: StoreFailure): StreamdError {
  const code = typeof cause === 'object' && cause !== null ? (cause as { code?: unknown }).code : undefined;
  const error = new StreamdError(
    typeof code === 'string' && code.startsWith('STREAMD_') ? code : 'STREAMD_STORE_IO',
    `${what} of table ${table} partition ${partition} failed: ${cause instanceof Error ? cause.message : String(cause)}`,
    { cause },
  );
  log.fatal(
    { code: error.code, table, partition, path, err: cause, action: 'free disk space (or fix the cause the error names), then start the worker again: the store recovers from its changelog' },
    `stopping: ${what} of table ${table} partition ${partition} failed (${error.code}); nothing more is committed. Fix the cause (a full disk: free space) and start again`,
  );
  return error;
}
