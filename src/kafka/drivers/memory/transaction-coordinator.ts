// TransactionCoordinator: the embedded broker's transactions — producer epochs per transactional id
// (fencing), the one open transaction of each id, its records and pending group offsets, markers at
// commit/abort, and the transaction timeout. MemoryCluster owns it; MemoryTransactionalProducer calls it.

import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { FencedError, IllegalStateError } from '../../../errors/index.js';
import type { TopicPartitionOffset } from '../../types.js';
import { timerMs } from './notifier.js';
import type { PartitionLog, StoredRecord, TransactionOutcome } from './partition-log.js';
import { topicPartitionKey } from './topic-partition-key.js';

/** What the coordinator needs from the cluster. */
export interface TransactionCoordinatorDependencies {
  commitOffsets(groupId: string, offsets: readonly TopicPartitionOffset[]): void;
  readonly logger: () => Logger;
}

/** One open transaction. Its identity is what the producer's `Transaction` object holds. */
export class OpenTransaction {
  readonly outcome: TransactionOutcome = { status: 'open' };
  readonly logs = new Set<PartitionLog>();
  /** groupId → (topic-partition key → offset); committed with the transaction. */
  readonly offsets = new Map<string, Map<string, TopicPartitionOffset>>();
  readonly timeout = new AbortController();

  constructor(
    readonly transactionalId: string,
    readonly epoch: number,
  ) {}
}

interface ProducerEntry {
  epoch: number;
  open: OpenTransaction | null;
}

export class TransactionCoordinator {
  readonly #producers = new Map<string, ProducerEntry>();
  readonly #dependencies: TransactionCoordinatorDependencies;

  constructor(dependencies: TransactionCoordinatorDependencies) {
    this.#dependencies = dependencies;
  }

  /**
   * Registers a new producer for `transactionalId`: bumps the epoch, which fences the earlier
   * producer, and aborts the earlier epoch's open transaction. Returns the new epoch.
   */
  initProducer(transactionalId: string): number {
    const entry = this.#producers.get(transactionalId) ?? { epoch: -1, open: null };
    if (entry.open !== null) this.#end(entry, entry.open, 'aborted');
    entry.epoch += 1;
    this.#producers.set(transactionalId, entry);
    return entry.epoch;
  }

  /** Opens a transaction; it is aborted (and the producer fenced) if still open after `timeoutMs`. */
  begin(transactionalId: string, epoch: number, timeoutMs: number): OpenTransaction {
    const entry = this.#current(transactionalId, epoch);
    if (entry.open !== null) {
      throw new IllegalStateError(`transactional id "${transactionalId}" already has an open transaction: commit or abort it first`);
    }
    const transaction = new OpenTransaction(transactionalId, epoch);
    entry.open = transaction;
    void sleep(timerMs(timeoutMs), undefined, { signal: transaction.timeout.signal, ref: false }).then(
      () => this.#expire(transaction, timeoutMs),
      () => undefined, // aborted: the transaction ended in time
    );
    return transaction;
  }

  /** Appends a record to `log` as part of `transaction`; returns its offset. */
  append(transaction: OpenTransaction, log: PartitionLog, record: StoredRecord): number {
    this.checkOpen(transaction);
    transaction.logs.add(log);
    return log.append(record, transaction.outcome);
  }

  /** Records group offsets to commit with `transaction` (later offsets of a partition replace earlier ones). */
  addOffsets(transaction: OpenTransaction, groupId: string, offsets: readonly TopicPartitionOffset[]): void {
    this.checkOpen(transaction);
    const pending = transaction.offsets.get(groupId) ?? new Map<string, TopicPartitionOffset>();
    for (const offset of offsets) pending.set(topicPartitionKey(offset), offset);
    transaction.offsets.set(groupId, pending);
  }

  /** Commits or aborts `transaction`: a marker in each partition it wrote to, then its group offsets. */
  end(transaction: OpenTransaction, status: 'committed' | 'aborted'): void {
    this.#end(this.#openEntry(transaction), transaction, status);
  }

  /** A producer closes: its open transaction, if it still owns one, is aborted. */
  release(transactionalId: string, epoch: number): void {
    const entry = this.#producers.get(transactionalId);
    if (entry?.epoch === epoch && entry.open !== null) this.#end(entry, entry.open, 'aborted');
  }

  /** Cancels every transaction timer (the cluster is being dropped). */
  destroy(): void {
    for (const entry of this.#producers.values()) entry.open?.timeout.abort();
  }

  /** The entry of a producer that still holds the current epoch, else FencedError. */
  #current(transactionalId: string, epoch: number): ProducerEntry {
    const entry = this.#producers.get(transactionalId);
    if (entry === undefined || entry.epoch !== epoch) {
      throw new FencedError(
        `transactional producer "${transactionalId}" (epoch ${epoch}) was fenced: a newer producer with the same id `
          + 'started, or its transaction timed out',
      );
    }
    return entry;
  }

  /**
   * Throws FencedError when a newer producer took the id over, or IllegalStateError when
   * `transaction` has already ended.
   */
  checkOpen(transaction: OpenTransaction): void {
    this.#openEntry(transaction);
  }

  #openEntry(transaction: OpenTransaction): ProducerEntry {
    const entry = this.#current(transaction.transactionalId, transaction.epoch);
    if (entry.open !== transaction) {
      throw new IllegalStateError(`transaction of "${transaction.transactionalId}" has already been committed or aborted`);
    }
    return entry;
  }

  #end(entry: ProducerEntry, transaction: OpenTransaction, status: 'committed' | 'aborted'): void {
    transaction.timeout.abort();
    entry.open = null;
    transaction.outcome.status = status;
    for (const log of transaction.logs) log.appendMarker(transaction.outcome);
    if (status === 'committed') {
      for (const [groupId, offsets] of transaction.offsets) this.#dependencies.commitOffsets(groupId, [...offsets.values()]);
    }
  }

  /** Kafka's coordinator aborts a transaction open past its timeout and bumps the epoch. */
  #expire(transaction: OpenTransaction, timeoutMs: number): void {
    const entry = this.#producers.get(transaction.transactionalId);
    if (entry?.open !== transaction) return;
    this.#end(entry, transaction, 'aborted');
    entry.epoch += 1;
    this.#dependencies.logger().warn(
      { transactionalId: transaction.transactionalId, timeoutMs },
      'transaction open longer than its timeout: aborted, and its producer fenced',
    );
  }
}
