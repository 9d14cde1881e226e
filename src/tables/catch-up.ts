// catchUp: reads one changelog partition from an offset up to an end offset through the
// ChangelogReader, reporting progress and failing on a stall. Table recovery calls it once per
// partition it restores; standbys call it with keepFollowing to stay warm afterwards.

import { setImmediate as nextTurn } from 'node:timers/promises';
import { ConfigError } from '../errors/index.js';
import type { TopicPartition } from '../kafka/index.js';
import { abortError, SystemClock, type Clock } from '../service/index.js';
import type { ChangelogBatchHandler, ChangelogReader } from './changelog-reader.js';
import { RecoveryStalledError } from './errors.js';
import { topicPartitionKey } from './topic-partition-key.js';

export interface CatchUpOptions {
  /**
   * Fail when the position has not moved for this long. Too low: a slow broker or a long GC pause
   * fails a recovery that would have finished; too high: a dead broker holds the worker unready.
   */
  readonly stallTimeoutMs: number;
  /** Aborting stops the catch-up: it rejects with an AbortError and unfollows the partition. */
  readonly signal: AbortSignal;
  /** Default: the system clock. Times the stall and the progress reports. */
  readonly clock?: Clock;
  /** Called every `progressIntervalMs` while catching up, and once when the end is reached. */
  readonly onProgress?: (progress: CatchUpProgress) => void;
  /** Default 10000. Too low: noisy logs; too high: a long recovery looks silent. */
  readonly progressIntervalMs?: number;
}

export interface CatchUpProgress {
  readonly tp: TopicPartition;
  /** Records applied so far (markers, aborted and compacted-away offsets not counted). */
  readonly records: number;
  readonly position: bigint;
  readonly end: bigint;
  /** Records applied per second since the catch-up began. */
  readonly ratePerSecond: number;
  /** Seconds left at the pace so far, counted in offsets; undefined before any progress. */
  readonly etaSeconds: number | undefined;
}

export interface CatchUpResult {
  readonly records: number;
  /** The partition's position at the end: `end` or past it. */
  readonly position: bigint;
}

const DEFAULT_PROGRESS_INTERVAL_MS = 10_000;

/**
 * Follows `tp` from `from`, hands each batch to `apply`, and resolves once the position reaches `end`
 * (at once when `from >= end`). Rejects with STREAMD_RECOVERY_STALLED when the position does not move
 * for `stallTimeoutMs`, with an AbortError when `signal` aborts or the reader stops, and with `apply`'s
 * own error when it rejects (the reader crashes too). On success `tp` stays followed, still through
 * `apply`, when `keepFollowing` is true; otherwise, and on any failure, it is unfollowed. While the
 * catch-up runs, nothing else may follow `tp` on this reader.
 */
export async function catchUp(
  reader: ChangelogReader,
  tp: TopicPartition,
  from: bigint,
  end: bigint,
  apply: ChangelogBatchHandler,
  options: CatchUpOptions & { readonly keepFollowing?: boolean },
): Promise<CatchUpResult> {
  const progressIntervalMs = options.progressIntervalMs ?? DEFAULT_PROGRESS_INTERVAL_MS;
  if (!(options.stallTimeoutMs > 0) || !(progressIntervalMs > 0)) {
    throw new ConfigError(`catch-up of ${topicPartitionKey(tp)}: stallTimeoutMs and progressIntervalMs must be positive, `
      + `got ${options.stallTimeoutMs} and ${progressIntervalMs}`);
  }
  if (options.signal.aborted) throw abortError(options.signal);
  if (from >= end) {
    if (options.keepFollowing === true) reader.follow(tp, from, apply);
    return { records: 0, position: from };
  }
  return new PartitionCatchUp(reader, { topic: tp.topic, partition: tp.partition }, from, end, apply, {
    ...options,
    clock: options.clock ?? new SystemClock(),
    progressIntervalMs,
    keepFollowing: options.keepFollowing === true,
  }).run();
}

type RunOptions = CatchUpOptions & { readonly clock: Clock; readonly progressIntervalMs: number; readonly keepFollowing: boolean };

/** One catch-up in flight: counts progress from the batches, watches the clock, settles once. */
class PartitionCatchUp {
  readonly #reader: ChangelogReader;
  readonly #tp: TopicPartition;
  readonly #from: bigint;
  readonly #end: bigint;
  readonly #apply: ChangelogBatchHandler;
  readonly #options: RunOptions;
  readonly #startedMs: number;
  /** Aborted when the catch-up settles: ends the watchdog's sleep and removes the abort listeners. */
  readonly #settled = new AbortController();
  #records = 0;
  #position: bigint;
  #lastProgressMs: number;
  #applyError: { readonly error: unknown } | undefined;
  #resolve: (result: CatchUpResult) => void = () => undefined;
  #reject: (error: unknown) => void = () => undefined;
  /** Batches being applied now: while one is, the catch-up is not stalled. */
  #applying = 0;

  constructor(reader: ChangelogReader, tp: TopicPartition, from: bigint, end: bigint, apply: ChangelogBatchHandler, options: RunOptions) {
    this.#reader = reader;
    this.#tp = tp;
    this.#from = from;
    this.#end = end;
    this.#apply = apply;
    this.#options = options;
    this.#position = from;
    this.#startedMs = options.clock.now();
    this.#lastProgressMs = this.#startedMs;
  }

  run(): Promise<CatchUpResult> {
    const result = new Promise<CatchUpResult>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    const listening = { once: true, signal: this.#settled.signal };
    this.#options.signal.addEventListener('abort', () => this.#fail(abortError(this.#options.signal)), listening);
    this.#reader.signal.addEventListener('abort', () => this.#fail(this.#applyError?.error ?? abortError(this.#reader.signal)), listening);
    try {
      this.#reader.follow(this.#tp, this.#from, (batch) => this.#onBatch(batch));
    } catch (error) {
      this.#fail(error);
      return result;
    }
    void this.#watch();
    return result;
  }

  get #isSettled(): boolean {
    return this.#settled.signal.aborted;
  }

  async #onBatch(batch: Parameters<ChangelogBatchHandler>[0]): Promise<void> {
    this.#applying += 1;
    try {
      await this.#apply(batch);
    } catch (error) {
      // Rethrown so the reader crashes; the catch-up fails with the same error once the reader has
      // seen it (unfollowing first would make the reader drop the failure as an unfollowed one's).
      if (!this.#isSettled) {
        this.#applyError ??= { error };
        void nextTurn().then(() => this.#fail(error));
      }
      throw error;
    } finally {
      this.#applying -= 1;
    }
    if (this.#isSettled) return;
    this.#records += batch.records.length;
    if (batch.nextOffset > this.#position) {
      this.#position = batch.nextOffset;
      this.#lastProgressMs = this.#options.clock.now();
    }
    if (this.#position >= this.#end) this.#finish();
  }

  #finish(): void {
    try {
      this.#options.onProgress?.(this.#progress(this.#options.clock.now()));
    } catch (error) {
      this.#fail(error);
      return;
    }
    if (!this.#options.keepFollowing) this.#reader.unfollow(this.#tp);
    this.#settled.abort();
    const result = { records: this.#records, position: this.#position };
    // A follower still handles this batch: let the reader record its position before the caller looks.
    if (this.#options.keepFollowing) void nextTurn().then(() => this.#resolve(result));
    else this.#resolve(result);
  }

  #fail(error: unknown): void {
    if (this.#isSettled) return;
    this.#settled.abort();
    this.#reader.unfollow(this.#tp);
    this.#reject(error);
  }

  /** Sleeps until the next report or the stall deadline, whichever comes first, until settled. */
  async #watch(): Promise<void> {
    const { clock, onProgress, progressIntervalMs, stallTimeoutMs } = this.#options;
    let nextReportMs = this.#startedMs + progressIntervalMs;
    try {
      while (!this.#isSettled) {
        const nowMs = clock.now();
        // A batch being applied (store writes, onChangelogEvent hooks) is progress: the deadline is about reading.
        if (this.#applying > 0) this.#lastProgressMs = nowMs;
        const stallAtMs = this.#lastProgressMs + stallTimeoutMs;
        if (nowMs >= stallAtMs) {
          this.#fail(this.#stalled(nowMs));
          return;
        }
        if (onProgress !== undefined && nowMs >= nextReportMs) {
          onProgress(this.#progress(nowMs));
          nextReportMs = nowMs + progressIntervalMs;
        }
        const wakeAtMs = onProgress === undefined ? stallAtMs : Math.min(stallAtMs, nextReportMs);
        await clock.sleep(wakeAtMs - nowMs, this.#settled.signal);
      }
    } catch (error) {
      // The sleep ends with an abort once settled; anything else came from onProgress.
      if (!this.#isSettled) this.#fail(error);
    }
  }

  #progress(nowMs: number): CatchUpProgress {
    const elapsedSeconds = (nowMs - this.#startedMs) / 1000;
    const offsetsPerSecond = elapsedSeconds > 0 ? Number(this.#position - this.#from) / elapsedSeconds : 0;
    const remaining = this.#end > this.#position ? Number(this.#end - this.#position) : 0;
    return {
      tp: this.#tp,
      records: this.#records,
      position: this.#position,
      end: this.#end,
      ratePerSecond: elapsedSeconds > 0 ? this.#records / elapsedSeconds : 0,
      etaSeconds: remaining === 0 ? 0 : offsetsPerSecond > 0 ? remaining / offsetsPerSecond : undefined,
    };
  }

  #stalled(nowMs: number): RecoveryStalledError {
    const key = topicPartitionKey(this.#tp);
    return new RecoveryStalledError(this.#tp, `catching up changelog ${key} made no progress for ${nowMs - this.#lastProgressMs} ms `
      + `(stallTimeoutMs ${this.#options.stallTimeoutMs}): at offset ${this.#position} of end offset ${this.#end}, `
      + `${this.#records} records applied. Check that the broker is reachable and ${key} has a leader; `
      + 'raise stallTimeoutMs only if the changelog is just slow to read');
  }
}
