// Batches single-record sends from handlers into driver-level batch sends. Owned by the worker's
// producer service; `flush()` is step (1) of the commit protocol: every record enqueued before the
// call is on the broker when it resolves, or the flush rejects.

import { KafkaError } from '../errors/index.js';
import { recordBytes } from './record-size.js';
import type { Producer, ProducerRecord } from './types.js';

export interface BufferedProducerOptions {
  /**
   * Records per driver send. Too low: one request per few records; too high: a long first-byte
   * latency and large requests. Default 2000.
   */
  readonly batchSize?: number;
  /**
   * Bytes per driver send (estimated as on the wire), whichever of this and `batchSize` is reached
   * first. The driver splits a larger send by the broker's limit anyway; this keeps a batch of large
   * records from holding tens of MB in one send. Too low: one request per few large records; too
   * high: memory and long sends. Default 1 MiB.
   */
  readonly batchBytes?: number;
  /**
   * Driver sends in flight at once (the driver keeps their order per partition). Too low: the
   * producer waits on round trips; too high: memory. Default 4.
   */
  readonly maxInFlight?: number;
  /**
   * How long a partly filled buffer waits for more records before it is sent (Faust producer_linger_ms);
   * a full batch and a flush (the commit) go at once. Too low: small batches; too high: added latency
   * on every sink send. Default 0: the buffer goes out on the next turn of the event loop.
   */
  readonly lingerMs?: number;
  /** Told once, when a send fails for good: the worker must stop before committing past it. */
  readonly onFailure?: (error: Error) => void;
  /**
   * Asked when a driver send failed (`attempt` 0, 1, ...): resolve true, after a backoff, to send the
   * same records again (a broker outage, waited out), false to fail the producer. A retried batch
   * is sent again only once every batch handed over before it has been acknowledged, so the
   * records of a partition keep their order (the driver fails the sends queued behind a failed
   * one, unsent, for the same reason). Default: never retry.
   */
  readonly shouldRetry?: (error: Error, attempt: number) => Promise<boolean>;
  /** Told when a send succeeds after one or more failed attempts. */
  readonly onRecovered?: () => void;
  /** Told of every batch the broker acknowledged, and how long its driver send took (metrics). */
  readonly onSent?: (records: readonly ProducerRecord[], seconds: number) => void;
}

export class BufferedProducer {
  readonly #producer: Producer;
  readonly #batchSize: number;
  readonly #batchBytes: number;
  readonly #maxInFlight: number;
  readonly #lingerMs: number;
  readonly #onFailure: ((error: Error) => void) | undefined;
  readonly #shouldRetry: ((error: Error, attempt: number) => Promise<boolean>) | undefined;
  readonly #onRecovered: (() => void) | undefined;
  readonly #onSent: ((records: readonly ProducerRecord[], seconds: number) => void) | undefined;
  #buffer: ProducerRecord[] = [];
  /** Estimated bytes of the records in `#buffer`, and of those buffered or in flight. */
  #bufferBytes = 0;
  #outstandingBytes = 0;
  /** Sends in flight, each with the sequence number of its first record. */
  readonly #inFlight = new Map<Promise<void>, number>();
  /** Records ever enqueued, and records ever handed to the driver: the buffer holds the difference. */
  #enqueued = 0;
  #handedOver = 0;
  /** Records whose send has completed, either way. */
  #settled = 0;
  /** First record numbers of the batches whose last attempt failed (waiting to be sent again). */
  readonly #failing = new Set<number>();
  #isScheduled = false;
  #failure: Error | undefined;
  #waitingForRoom: (() => void)[] = [];
  #sent = 0;

  constructor(producer: Producer, options: BufferedProducerOptions = {}) {
    this.#producer = producer;
    this.#batchSize = options.batchSize ?? 2000;
    this.#batchBytes = options.batchBytes ?? 1024 * 1024;
    this.#maxInFlight = options.maxInFlight ?? 4;
    this.#lingerMs = options.lingerMs ?? 0;
    this.#onFailure = options.onFailure;
    this.#shouldRetry = options.shouldRetry;
    this.#onRecovered = options.onRecovered;
    this.#onSent = options.onSent;
  }

  /** Records acknowledged by the broker so far. */
  get sentCount(): number {
    return this.#sent;
  }

  /** Records enqueued whose send has not completed: buffered plus in flight. */
  get #outstanding(): number {
    return this.#enqueued - this.#settled;
  }

  /** True while buffered and in-flight records are fewer than a batch per send slot plus one, in count and bytes. */
  get #hasRoom(): boolean {
    const batches = this.#maxInFlight + 1;
    return this.#outstanding < this.#batchSize * batches && this.#outstandingBytes < this.#batchBytes * batches;
  }

  /** Enqueues a record. Throws the first send failure, so no more work is built on a broken producer. */
  send(record: ProducerRecord): void {
    if (this.#failure !== undefined) throw this.#failure;
    const bytes = recordBytes(record);
    this.#buffer.push(record);
    this.#bufferBytes += bytes;
    this.#outstandingBytes += bytes;
    this.#enqueued += 1;
    const isFull = this.#buffer.length >= this.#batchSize || this.#bufferBytes >= this.#batchBytes;
    if (isFull && this.#inFlight.size < this.#maxInFlight) this.#sendBuffer();
    else this.#schedule();
  }

  /** Resolves when there is room for more records (backpressure for fast handlers). */
  ready(): Promise<void> {
    return this.whenRoom() ?? Promise.resolve();
  }

  /** `ready`, but undefined when there is room now: a sender that need not wait makes no promise. */
  whenRoom(): Promise<void> | undefined {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    if (this.#hasRoom) return undefined;
    return new Promise((resolve) => this.#waitingForRoom.push(resolve));
  }

  /**
   * Resolves when every record enqueued before the call is on the broker; rejects with the first
   * failure. Records enqueued during the flush are not waited for, so a busy producer cannot
   * starve a commit.
   */
  async flush(): Promise<void> {
    const target = this.#enqueued;
    for (;;) {
      if (this.#failure !== undefined) throw this.#failure;
      if (this.#handedOver < target) {
        if (this.#inFlight.size < this.#maxInFlight) this.#sendBuffer();
        else await Promise.race([...this.#inFlight.keys()]);
        continue;
      }
      const earlier = [...this.#inFlight].filter(([, firstRecord]) => firstRecord < target).map(([sending]) => sending);
      if (earlier.length === 0) break;
      await Promise.all(earlier);
    }
    this.#throwIfFailed();
  }

  #throwIfFailed(): void {
    if (this.#failure !== undefined) throw this.#failure;
  }

  #schedule(): void {
    if (this.#isScheduled) return;
    this.#isScheduled = true;
    const sendBuffered = (): void => {
      this.#isScheduled = false;
      while (this.#buffer.length > 0 && this.#inFlight.size < this.#maxInFlight && this.#failure === undefined) this.#sendBuffer();
    };
    // Unref: a lingering buffer must not keep a stopped process alive (stop flushes it anyway).
    if (this.#lingerMs > 0) setTimeout(sendBuffered, this.#lingerMs).unref();
    else setImmediate(sendBuffered);
  }

  /** Hands the buffer's first `batchSize` records, or fewer reaching `batchBytes`, to the driver. */
  #sendBuffer(): void {
    let count = 0;
    let bytes = 0;
    const limit = Math.min(this.#buffer.length, this.#batchSize);
    if (this.#bufferBytes <= this.#batchBytes && this.#buffer.length <= this.#batchSize) {
      count = this.#buffer.length;
      bytes = this.#bufferBytes;
    } else {
      while (count < limit && (count === 0 || bytes < this.#batchBytes)) bytes += recordBytes(this.#buffer[count++]!);
    }
    const records = count === this.#buffer.length ? this.#buffer : this.#buffer.slice(0, count);
    this.#buffer = records === this.#buffer ? [] : this.#buffer.slice(count);
    this.#bufferBytes = this.#buffer.length === 0 ? 0 : this.#bufferBytes - bytes;
    const firstRecord = this.#handedOver;
    this.#handedOver += records.length;
    const sending = this.#sendWithRetries(records, firstRecord).then(
      (seconds) => {
        this.#sent += records.length;
        this.#onSent?.(records, seconds);
      },
      (err: unknown) => this.#fail(err),
    );
    this.#inFlight.set(sending, firstRecord);
    void sending.finally(() => {
      this.#inFlight.delete(sending);
      this.#settled += records.length;
      this.#outstandingBytes -= bytes;
      if (this.#buffer.length > 0 && this.#failure === undefined) this.#schedule();
      if (this.#hasRoom) for (const wake of this.#waitingForRoom.splice(0)) wake();
    });
  }

  /**
   * Sends `records`, again after each failure `shouldRetry` accepts; resolves with the last attempt's
   * seconds. No attempt, the first included, goes out while a batch handed over before this one
   * waits to be sent again: this one would land before it. (The broker came back while that batch
   * was in its backoff, and a batch handed over meanwhile went straight out: the repartition topic
   * got origin offsets out of order, and the table dropped the late ones as already counted.)
   */
  async #sendWithRetries(records: readonly ProducerRecord[], firstRecord: number): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0 || this.#hasFailingBefore(firstRecord)) {
        // Order: the batches handed over before this one go first (they retry too, or fail the producer).
        const earlier = [...this.#inFlight].filter(([, first]) => first < firstRecord).map(([sending]) => sending);
        await Promise.all(earlier);
        this.#throwIfFailed();
      }
      const startedAt = performance.now();
      try {
        await this.#producer.send(records);
        this.#failing.delete(firstRecord);
        if (attempt > 0) this.#onRecovered?.();
        return (performance.now() - startedAt) / 1000;
      } catch (err) {
        // Noted at once (this reaction runs right after the driver's own to the failure), before any
        // batch handed over from now on decides whether it may go out.
        this.#failing.add(firstRecord);
        const error = err instanceof Error ? err : new KafkaError(String(err));
        if (this.#shouldRetry === undefined || this.#failure !== undefined || !(await this.#shouldRetry(error, attempt))) throw error;
      }
    }
  }

  /** True while a batch handed over before `firstRecord`'s failed its last attempt and is not sent yet. */
  #hasFailingBefore(firstRecord: number): boolean {
    for (const first of this.#failing) if (first < firstRecord) return true;
    return false;
  }

  #fail(err: unknown): void {
    if (this.#failure !== undefined) return;
    this.#failure = err instanceof Error ? err : new KafkaError(String(err));
    for (const wake of this.#waitingForRoom.splice(0)) wake();
    this.#onFailure?.(this.#failure);
  }
}
