// Maps kafkajs errors to streamd's error classes, so callers recover by `code`, not by
// knowing kafkajs. kafkajs wraps causes in `originalError`, `cause` or aggregate `errors`.

import { FencedError, KafkaError, RebalanceInProgressError, StreamdError } from '../../../errors/index.js';

const FENCED = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED']);
const REBALANCING = new Set(['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'FENCED_INSTANCE_ID']);
const UNKNOWN_TOPIC = new Set(['UNKNOWN_TOPIC_OR_PARTITION']);
/**
 * kafkajs errors that mean the broker is (for now) out of reach or busy, whatever their own
 * `retriable` flag says: a connection refused, lost or timed out, no broker answering, a request
 * that outlived its timeout (a SyncGroup waiting for a rebalance), and retries used up on any of them.
 */
const UNREACHABLE = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSBrokerNotFound',
  'KafkaJSGroupCoordinatorNotFound',
  'KafkaJSLockTimeout',
]);
/** Protocol errors of a broker restart or failover: coordinators loading or moving, leaders changing. */
const SETTLING = new Set([
  'COORDINATOR_LOAD_IN_PROGRESS',
  'COORDINATOR_NOT_AVAILABLE',
  'NOT_COORDINATOR',
  'LEADER_NOT_AVAILABLE',
  'NOT_LEADER_FOR_PARTITION',
  'REQUEST_TIMED_OUT',
  'NETWORK_EXCEPTION',
  'NOT_ENOUGH_REPLICAS',
  'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
  'KAFKA_STORAGE_ERROR',
]);

interface KafkajsLikeError {
  readonly type?: unknown;
  readonly retriable?: unknown;
  readonly originalError?: unknown;
  readonly cause?: unknown;
  readonly errors?: unknown;
}

/** Every kafkajs protocol error type found in `err` and the errors it wraps. */
export function protocolTypes(err: unknown, seen = new Set<unknown>()): string[] {
  if (typeof err !== 'object' || err === null || seen.has(err)) return [];
  seen.add(err);
  const e = err as KafkajsLikeError;
  const own = typeof e.type === 'string' ? [e.type] : [];
  const nested = Array.isArray(e.errors) ? (e.errors as unknown[]) : [];
  return [...own, ...protocolTypes(e.originalError, seen), ...protocolTypes(e.cause, seen), ...nested.flatMap((n) => protocolTypes(n, seen))];
}

/** Every kafkajs error name found in `err` and the errors it wraps. */
function errorNames(err: unknown, seen = new Set<unknown>()): string[] {
  if (typeof err !== 'object' || err === null || seen.has(err)) return [];
  seen.add(err);
  const e = err as KafkajsLikeError & { readonly name?: unknown };
  const own = typeof e.name === 'string' ? [e.name] : [];
  const nested = Array.isArray(e.errors) ? (e.errors as unknown[]) : [];
  return [...own, ...errorNames(e.originalError, seen), ...errorNames(e.cause, seen), ...nested.flatMap((n) => errorNames(n, seen))];
}

/** True when `err` says the broker is unreachable or settling: worth waiting out (see UNREACHABLE, SETTLING). */
export function isBrokerUnavailable(err: unknown): boolean {
  return errorNames(err).some((name) => UNREACHABLE.has(name)) || protocolTypes(err).some((type) => SETTLING.has(type));
}

/** Wraps a kafkajs error (or anything thrown inside the driver) in the streamd error that names its recovery. */
export function toStreamdError(err: unknown, action: string): StreamdError {
  if (err instanceof StreamdError) return err;
  const types = protocolTypes(err);
  const detail = err instanceof Error ? err.message : String(err);
  if (types.some((t) => FENCED.has(t))) {
    return new FencedError(`${action}: fenced by a newer producer with the same transactional id (${detail})`, { cause: err });
  }
  if (types.some((t) => REBALANCING.has(t))) {
    return new RebalanceInProgressError(`${action}: the group is rebalancing (${detail})`, { cause: err });
  }
  if (types.some((t) => UNKNOWN_TOPIC.has(t))) {
    return new KafkaError(`${action}: unknown topic or partition (${detail})`, { cause: err, code: 'STREAMD_UNKNOWN_TOPIC' });
  }
  const retriable = (typeof err === 'object' && err !== null && (err as KafkajsLikeError).retriable === true) || isBrokerUnavailable(err);
  return new KafkaError(`${action}: ${detail}`, { cause: err, retriable });
}

/** Runs `fn`, rethrowing any failure as a streamd error. */
export async function mapErrors<T>(action: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toStreamdError(err, action);
  }
}
