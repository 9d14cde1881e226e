// Reads changelog partitions for table recovery, standbys and global tables. kafkajs has no manual
// partition assignment, so the reader is the only member of a private consumer group (an id unique
// to the worker) subscribed to every changelog of the app: it is assigned every partition, keeps
// all of them paused, and fetches only the ones it is told to follow, from the offset it is told.
// It runs outside the main consumer, so a long recovery never blocks that member's heartbeats.

import type { Logger } from 'pino';
import { StreamdError } from '../errors/index.js';
import type { Consumer, KafkaDriver, RecordBatch, TopicPartition } from '../kafka/index.js';
import { Service, SystemClock, type Clock } from '../service/index.js';

export interface ChangelogReaderOptions {
  readonly driver: KafkaDriver;
  readonly logger: Logger;
  /** Private and unique per worker, e.g. `<prefix>-changelog-reader-<random>`. */
  readonly groupId: string;
  /** Every changelog topic; when empty the service does nothing. */
  readonly topics: readonly string[];
  readonly maxBytesPerPartition?: number;
}

export type ChangelogBatchHandler = (batch: RecordBatch) => Promise<void>;

interface Follow {
  readonly tp: TopicPartition;
  readonly handler: ChangelogBatchHandler;
  /** Next offset to read. */
  position: bigint;
}

export const partitionId = (tp: TopicPartition): string => `${tp.topic}\u0000${tp.partition}`;

export class ChangelogReader extends Service {
  readonly #options: ChangelogReaderOptions;
  readonly #follows = new Map<string, Follow>();
  /** Partitions the private member holds in the current generation. */
  #assigned: readonly TopicPartition[] = [];
  #consumer: Consumer | undefined;

  constructor(options: ChangelogReaderOptions) {
    super({ name: 'changelog reader', logger: options.logger });
    this.#options = options;
  }

  protected override async onStart(): Promise<void> {
    if (this.#options.topics.length === 0) return;
    const consumer = await this.#options.driver.consumer({
      groupId: this.#options.groupId,
      isolation: 'read_committed',
      autoOffsetReset: 'earliest',
      maxWaitMs: 100,
      ...(this.#options.maxBytesPerPartition === undefined ? {} : { maxBytesPerPartition: this.#options.maxBytesPerPartition }),
    });
    this.#consumer = consumer;
    consumer.on('assigned', ({ partitions }) => {
      this.#assigned = partitions;
      const idle = partitions.filter((tp) => !this.#follows.has(partitionId(tp)));
      if (idle.length > 0) consumer.pause(idle);
      for (const follow of this.#follows.values()) this.#seek(follow);
    });
    consumer.on('rebalancing', () => (this.#assigned = []));
    consumer.on('crashed', (error) => this.crash(error));
    await consumer.subscribe(this.#options.topics);
    await consumer.run((batch) => this.#deliver(batch));
  }

  protected override async onStop(): Promise<void> {
    this.#follows.clear();
    await this.#consumer?.stop();
  }

  /** Starts delivering tp's records from `from` (the next offset to read), one batch at a time. */
  follow(tp: TopicPartition, from: bigint, handler: ChangelogBatchHandler): void {
    const follow: Follow = { tp, handler, position: from };
    this.#follows.set(partitionId(tp), follow);
    this.#seek(follow);
  }

  /** Stops delivering tp; no batch of it reaches the old handler after this returns. */
  unfollow(tp: TopicPartition): void {
    if (!this.#follows.delete(partitionId(tp))) return;
    if (this.#holds(tp)) this.#consumer?.pause([tp]);
  }

  /** The next offset to read of a followed partition. */
  position(tp: TopicPartition): bigint | undefined {
    return this.#follows.get(partitionId(tp))?.position;
  }

  #holds(tp: TopicPartition): boolean {
    return this.#assigned.some((a) => a.topic === tp.topic && a.partition === tp.partition);
  }

  #seek(follow: Follow): void {
    const consumer = this.#consumer;
    if (consumer === undefined || !this.#holds(follow.tp)) return;
    consumer.seek({ ...follow.tp, offset: follow.position });
    consumer.resume([follow.tp]);
  }

  async #deliver(batch: RecordBatch): Promise<void> {
    const follow = this.#follows.get(partitionId(batch));
    if (follow === undefined) {
      this.#consumer?.pause([batch]);
      return;
    }
    // A fetch issued before a seek may still arrive: records below the position were read already.
    const first = batch.records[0];
    const records = first !== undefined && first.offset < follow.position ? batch.records.filter((r) => r.offset >= follow.position) : batch.records;
    if (batch.nextOffset <= follow.position && records.length === 0) return;
    try {
      await follow.handler(records === batch.records ? batch : { ...batch, records });
    } catch (err) {
      this.crash(new StreamdError('STREAMD_RECOVERY', `applying changelog ${batch.topic}[${batch.partition}] failed`, { cause: err }));
      return;
    }
    if (this.#follows.get(partitionId(batch)) === follow && batch.nextOffset > follow.position) follow.position = batch.nextOffset;
  }
}

export interface CatchUpProgress {
  readonly tp: TopicPartition;
  readonly records: number;
  readonly position: bigint;
  readonly end: bigint;
  readonly ratePerSecond: number;
  readonly etaSeconds: number | undefined;
}

export interface CatchUpOptions {
  /** No progress for this long is an error (STREAMD_RECOVERY_STALLED), not a silent hang. */
  readonly stallTimeoutMs: number;
  readonly signal: AbortSignal;
  readonly clock?: Clock;
  readonly onProgress?: (progress: CatchUpProgress) => void;
  /** Default 5000. */
  readonly progressIntervalMs?: number;
  /** Default false: tp is unfollowed once caught up. */
  readonly keepFollowing?: boolean;
}

export class RecoveryStalledError extends StreamdError {
  constructor(tp: TopicPartition, position: bigint, end: bigint, stallMs: number) {
    super(
      'STREAMD_RECOVERY_STALLED',
      `recovery of ${tp.topic}[${tp.partition}] made no progress for ${stallMs} ms at offset ${position} of ${end}: ` +
        'check that the broker is reachable and the changelog readable; recoveryStallTimeoutMs sets this deadline',
    );
  }
}

/**
 * Follows tp from `from`, hands each batch to `apply`, and resolves once the position reaches
 * `end` (at once when `from >= end`). "Reached" is the consumer's position — past transaction
 * markers and compaction gaps — never "last record seen + 1".
 */
export function catchUp(
  reader: ChangelogReader,
  tp: TopicPartition,
  from: bigint,
  end: bigint,
  apply: ChangelogBatchHandler,
  options: CatchUpOptions,
): Promise<{ records: number; position: bigint }> {
  const clock = options.clock ?? new SystemClock();
  const keepFollowing = options.keepFollowing ?? false;
  if (from >= end) {
    if (keepFollowing) reader.follow(tp, from, apply);
    return Promise.resolve({ records: 0, position: from });
  }
  return new Promise((resolve, reject) => {
    const started = clock.now();
    let records = 0;
    let position = from;
    let progressAt = started;
    let isDone = false;
    const stop = new AbortController();
    const signal = AbortSignal.any([options.signal, stop.signal]);
    const finish = (error?: Error): void => {
      if (isDone) return;
      isDone = true;
      stop.abort();
      if (error !== undefined || !keepFollowing) {
        if (reader.position(tp) !== undefined) reader.unfollow(tp);
      }
      if (error === undefined) resolve({ records, position });
      else reject(error);
    };
    const progress = (): CatchUpProgress => {
      const seconds = (clock.now() - started) / 1000;
      const ratePerSecond = seconds > 0 ? records / seconds : 0;
      const remaining = Number(end - position);
      return { tp, records, position, end, ratePerSecond, etaSeconds: ratePerSecond > 0 ? remaining / ratePerSecond : undefined };
    };
    reader.follow(tp, from, async (batch) => {
      if (isDone) return;
      await apply(batch);
      records += batch.records.length;
      if (batch.nextOffset > position) {
        position = batch.nextOffset;
        progressAt = clock.now();
      }
      if (position >= end) finish();
    });
    if (options.signal.aborted) {
      finish(abortError(options.signal));
      return;
    }
    options.signal.addEventListener('abort', () => finish(abortError(options.signal)), { once: true });
    const every = Math.min(options.progressIntervalMs ?? 5000, Math.max(1, Math.floor(options.stallTimeoutMs / 4)));
    void (async () => {
      let lastReport = started;
      while (!isDone) {
        try {
          await clock.sleep(every, signal);
        } catch {
          return;
        }
        if (isDone) return;
        const now = clock.now();
        if (now - progressAt >= options.stallTimeoutMs) {
          finish(new RecoveryStalledError(tp, position, end, options.stallTimeoutMs));
          return;
        }
        if (now - lastReport >= (options.progressIntervalMs ?? 5000)) {
          lastReport = now;
          options.onProgress?.(progress());
        }
      }
    })();
  });
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new StreamdError('STREAMD_ABORTED', 'recovery was aborted (a rebalance or a stop)');
}
