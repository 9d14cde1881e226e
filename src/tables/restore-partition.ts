// One table partition's catch-up from its changelog, as a user watches it: a start line, progress
// every few seconds (records, position, rate, ETA) in the log and the remaining-records gauge, the
// entry /ready lists while it runs, and a `recovered` line with its rate.

import type { Logger } from 'pino';
import { hasCode, StreamdError } from '../errors/index.js';
import type { RecordBatch } from '../kafka/index.js';
import type { WorkerMetrics } from '../metrics/index.js';
import type { Clock } from '../service/index.js';
import { catchUp, type CatchUpProgress } from './catch-up.js';
import type { ChangelogReader } from './changelog-reader.js';
import type { Held } from './held-store.js';
import { KeyCensus } from './key-census.js';
import type { RecoveriesInFlight } from './recoveries-in-flight.js';
import { CLEAN_CACHE_KEYS } from './table-partition.js';

export interface RestoreParts {
  readonly reader: ChangelogReader;
  readonly metrics: WorkerMetrics;
  readonly log: Logger;
  readonly clock: Clock;
  readonly inFlight: RecoveriesInFlight;
  readonly stallTimeoutMs: number;
  readonly progressIntervalMs: number;
  /** Applies one changelog batch to the held store. */
  readonly apply: (held: Held, batch: RecordBatch) => Promise<void>;
  /** The error a failed store write becomes (logged once, with what to do). */
  readonly storeFailed: (held: Held, cause: unknown) => StreamdError;
}

export interface Restored {
  readonly records: number;
  /** The store was restored from empty with more keys than the clean cache holds: warming it would only read to find out. */
  readonly isOverWarmLimit: boolean;
}

/** Applies `held`'s changelog from `from` to `end`; undefined when `signal` aborted it (a newer assignment). */
export async function restorePartition(parts: RestoreParts, held: Held, from: bigint, end: bigint, signal: AbortSignal): Promise<Restored | undefined> {
  const { reader, metrics, log, clock } = parts;
  const { table, partition } = held;
  const tp = { topic: table.changelog, partition };
  const toApply = end > from ? end - from : 0n;
  metrics.recoveryRemaining(table.name, Number(toApply));
  const startedAt = clock.now();
  const onProgress = (p: CatchUpProgress): void => {
    metrics.recoveryRemaining(table.name, Number(p.end - p.position));
    log.info(
      { table: table.name, partition, records: p.records, position: p.position.toString(), end: p.end.toString(), ratePerSecond: Math.round(p.ratePerSecond), etaSeconds: p.etaSeconds === undefined ? undefined : Math.ceil(p.etaSeconds) },
      `recovering ${table.name}[${partition}]: ${p.records} records applied, ${(p.end - p.position).toString()} to go`,
    );
  };
  held.census = held.offset === undefined && held.role !== 'global' ? new KeyCensus(CLEAN_CACHE_KEYS) : undefined;
  let result: { records: number; position: bigint };
  let isOverWarmLimit: boolean;
  const inFlight = toApply > 0n ? parts.inFlight.begin(table.name, partition, from, end) : undefined;
  if (toApply > 0n) log.info({ table: table.name, partition, from: from.toString(), end: end.toString(), records: Number(toApply) }, `recovering ${table.name}[${partition}]`);
  try {
    result = await catchUp(reader, tp, from, end, async (batch) => {
      await parts.apply(held, batch);
      inFlight?.applied(batch);
    }, { stallTimeoutMs: parts.stallTimeoutMs, signal, clock, onProgress, progressIntervalMs: parts.progressIntervalMs });
  } catch (err) {
    if (signal.aborted) return undefined;
    if (hasCode(err, 'STREAMD_STORE_IO')) throw parts.storeFailed(held, err);
    throw err instanceof StreamdError ? err : new StreamdError('STREAMD_RECOVERY', `recovery of table ${table.name} partition ${partition} failed`, { cause: err });
  } finally {
    inFlight?.end();
    isOverWarmLimit = held.census?.isOverLimit === true;
    held.census = undefined;
  }
  metrics.recoveryRemaining(table.name, 0);
  if (result.position > end) {
    // Only this worker writes the partition now, and it has not served it yet: a late writer did.
    log.warn(
      { table: table.name, partition, end: end.toString(), position: result.position.toString() },
      `recovery of ${table.name}[${partition}] read ${(result.position - end).toString()} changelog records written after this worker took the partition: a previous owner wrote late`,
    );
  }
  if (result.records > 0) {
    const seconds = (clock.now() - startedAt) / 1000;
    log.info({ table: table.name, partition, records: result.records, seconds, ratePerSecond: seconds > 0 ? Math.round(result.records / seconds) : undefined }, `recovered ${table.name}[${partition}]`);
  }
  return { records: result.records, isOverWarmLimit };
}
