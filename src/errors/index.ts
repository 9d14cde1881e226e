// The error root of streamd. Each subclass names the action that recovers from it; callers
// match on `code` (stable across bundle boundaries), not on `instanceof`.

/** Options common to every streamd error. */
export interface StreamdErrorOptions {
  readonly cause?: unknown;
  readonly retriable?: boolean;
}

/** Root of every error streamd raises on purpose. `code` is stable and documented. */
export class StreamdError extends Error {
  readonly code: string;
  readonly retriable: boolean;

  constructor(code: string, message: string, options: StreamdErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}

/** Bad configuration or manifest: fail the boot with a message a person can act on. */
export class ConfigError extends StreamdError {
  constructor(message: string, options: StreamdErrorOptions = {}) {
    super('STREAMD_CONFIG', message, options);
  }
}

/** A Kafka request failed. `retriable` says whether backing off and trying again can help. */
export class KafkaError extends StreamdError {
  constructor(message: string, options: StreamdErrorOptions & { readonly code?: string } = {}) {
    super(options.code ?? 'STREAMD_KAFKA', message, options);
  }
}

/** Another producer with the same transactional id took over: give up the partitions and rejoin. */
export class FencedError extends StreamdError {
  constructor(message: string, options: StreamdErrorOptions = {}) {
    super('STREAMD_FENCED', message, { ...options, retriable: false });
  }
}

/** The group is rebalancing: drop the batch in hand, it will be redelivered. Not a crash. */
export class RebalanceInProgressError extends StreamdError {
  constructor(message: string, options: StreamdErrorOptions = {}) {
    super('STREAMD_REBALANCE_IN_PROGRESS', message, { ...options, retriable: true });
  }
}

/**
 * A table partition's local store cannot be trusted: RocksDB reported corruption on open (a truncated
 * SST, garbage in CURRENT or MANIFEST, a missing file) or its changelog offset record is unreadable.
 * Recovery: wipe the store's directory and restore it from the changelog. `path` is that directory.
 */
export class StoreCorruptedError extends StreamdError {
  readonly path: string;

  constructor(path: string, message: string, options: StreamdErrorOptions = {}) {
    super('STREAMD_STORE_CORRUPTED', message, { ...options, retriable: false });
    this.path = path;
  }
}

/**
 * A store read, write or open failed for a reason outside the data: disk full, permissions, too many
 * open files, the store locked by another opener. Recovery: stop processing the partition (commit no
 * offset past the failed write) and fix the cause; wiping would not help. `retriable` is true only
 * when waiting can help (the lock held by an opener that is closing).
 */
export class StoreIOError extends StreamdError {
  readonly path: string;

  constructor(path: string, message: string, options: StreamdErrorOptions = {}) {
    super('STREAMD_STORE_IO', message, options);
    this.path = path;
  }
}

/** A call on a closed or not-yet-started component. A programming error, not a runtime condition. */
export class IllegalStateError extends StreamdError {
  constructor(message: string) {
    super('STREAMD_ILLEGAL_STATE', message);
  }
}

/**
 * A service crashed: a background loop failed, or a supervisor used up its restart budget. Recovery:
 * the parent stops (or a supervisor restarts the child); at the root the process exits non-zero so
 * its own supervisor (systemd, Kubernetes) restarts it. `service` names the service that crashed.
 */
export class ServiceCrashedError extends StreamdError {
  readonly service: string;

  constructor(service: string, message: string, options: StreamdErrorOptions = {}) {
    super('STREAMD_SERVICE_CRASHED', message, { ...options, retriable: false });
    this.service = service;
  }
}

/** True when `err` is a streamd error with the given code, even across module copies. */
export function hasCode(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}

export { codeFrame, displayFile, displayPlace } from './code-frame.js';
export { closest, didYouMean, editDistance } from './suggest.js';
