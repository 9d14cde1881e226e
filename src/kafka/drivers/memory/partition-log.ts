// PartitionLog: one partition of the embedded broker — records and transaction markers at
// consecutive offsets, the last stable offset, and reads under either isolation level.
// MemoryCluster owns the logs; producers append, consumers read and watch.

import type { ConsumerRecord, Headers, Isolation } from '../../types.js';

/** A record as the log keeps it: private copies of the caller's buffers. */
export interface StoredRecord {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Headers;
  readonly timestamp: number;
}

/** The outcome of one transaction, shared by its records in every partition it wrote to. */
export interface TransactionOutcome {
  status: 'open' | 'committed' | 'aborted';
}

/** A slot of the log: a record (transactional or not), or a control marker that ends a transaction. */
type LogEntry =
  | { readonly kind: 'record'; readonly record: StoredRecord; readonly transaction: TransactionOutcome | null }
  | { readonly kind: 'marker'; readonly transaction: TransactionOutcome };

/** Bounds of one read. At least one record is returned when any is readable, whatever its size. */
export interface ReadLimits {
  readonly maxRecords: number;
  readonly maxBytes: number;
}

/** The records of a read, and the offset to read next (past skipped markers and aborted records). */
export interface LogRead {
  readonly records: ConsumerRecord[];
  readonly nextOffset: number;
}

export class PartitionLog {
  readonly #entries: LogEntry[] = [];
  /** The first offset each open transaction wrote here; the smallest one is the last stable offset. */
  readonly #openTransactions = new Map<TransactionOutcome, number>();
  readonly #watchers = new Set<() => void>();

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}

  /** Log start offset. Nothing is ever deleted, so it is always 0. */
  get startOffset(): number {
    return 0;
  }

  /** Log end offset (the high watermark of a single-replica broker): the next offset to be written. */
  get endOffset(): number {
    return this.#entries.length;
  }

  /** The first offset of the oldest open transaction here, else the end offset. */
  get lastStableOffset(): number {
    let stable = this.#entries.length;
    for (const first of this.#openTransactions.values()) stable = Math.min(stable, first);
    return stable;
  }

  /** Where a reader of this isolation level can read up to (exclusive). */
  readableEnd(isolation: Isolation): number {
    return isolation === 'read_committed' ? this.lastStableOffset : this.endOffset;
  }

  /** Appends a record, part of `transaction` when given (which must be open); returns its offset. */
  append(record: StoredRecord, transaction: TransactionOutcome | null = null): number {
    const offset = this.#entries.length;
    this.#entries.push({ kind: 'record', record, transaction });
    if (transaction !== null && !this.#openTransactions.has(transaction)) this.#openTransactions.set(transaction, offset);
    this.#notify();
    return offset;
  }

  /** Whether `transaction` wrote to this partition and has not been ended here yet. */
  hasOpen(transaction: TransactionOutcome): boolean {
    return this.#openTransactions.has(transaction);
  }

  /**
   * Ends `transaction` here with a control marker, which takes one offset as in Kafka (readers
   * never see it, so offsets have a gap). Set the outcome's status before calling.
   */
  appendMarker(transaction: TransactionOutcome): number {
    const offset = this.#entries.length;
    this.#entries.push({ kind: 'marker', transaction });
    this.#openTransactions.delete(transaction);
    this.#notify();
    return offset;
  }

  /**
   * Reads consecutive deliverable records from `fromOffset`. read_committed stops at the last stable
   * offset and skips aborted records; both levels skip markers. Returned buffers are copies.
   */
  read(fromOffset: number, isolation: Isolation, limits: ReadLimits): LogRead {
    const end = this.readableEnd(isolation);
    const records: ConsumerRecord[] = [];
    let bytes = 0;
    let offset = fromOffset;
    for (; offset < end && records.length < limits.maxRecords; offset++) {
      const entry = this.#entries[offset]!;
      if (entry.kind === 'marker') continue;
      if (isolation === 'read_committed' && entry.transaction?.status === 'aborted') continue;
      const size = recordSize(entry.record);
      if (records.length > 0 && bytes + size > limits.maxBytes) break;
      bytes += size;
      records.push(toConsumerRecord(this.topic, this.partition, offset, entry.record));
    }
    return { records, nextOffset: offset };
  }

  /** Calls `watcher` after every append or marker; returns the function that stops watching. */
  watch(watcher: () => void): () => void {
    this.#watchers.add(watcher);
    return () => this.#watchers.delete(watcher);
  }

  #notify(): void {
    for (const watcher of this.#watchers) watcher();
  }
}

/** Approximate bytes of a record on the wire, for the per-partition fetch limit. */
function recordSize(record: StoredRecord): number {
  let size = (record.key?.length ?? 0) + (record.value?.length ?? 0);
  for (const [name, value] of Object.entries(record.headers)) size += name.length + value.length;
  return size;
}

function toConsumerRecord(topic: string, partition: number, offset: number, record: StoredRecord): ConsumerRecord {
  return {
    topic,
    partition,
    offset: BigInt(offset),
    key: record.key === null ? null : Buffer.from(record.key),
    value: record.value === null ? null : Buffer.from(record.value),
    headers: copyHeaders(record.headers),
    timestamp: record.timestamp,
  };
}

/** A deep copy of headers, so neither side of the log can change the other's buffers. */
export function copyHeaders(headers: Headers): Headers {
  const copy: Record<string, Buffer> = {};
  for (const [name, value] of Object.entries(headers)) copy[name] = Buffer.from(value);
  return copy;
}
