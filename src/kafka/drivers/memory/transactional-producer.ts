// MemoryTransactionalProducer and its transactions: a thin client of the cluster's
// TransactionCoordinator, which holds epochs, open transactions and fencing. Created by
// MemoryDriver.transactionalProducer().

import { IllegalStateError } from '../../../errors/index.js';
import { Partitioner } from '../../partitioner.js';
import type {
  ProducerRecord,
  RecordMetadata,
  TopicPartitionOffset,
  Transaction,
  TransactionalProducer,
  TransactionalProducerOptions,
} from '../../types.js';
import type { MemoryCluster } from './cluster.js';
import { routeRecords } from './record-routing.js';
import { runNow } from './run-now.js';
import type { OpenTransaction } from './transaction-coordinator.js';

const DEFAULT_TRANSACTION_TIMEOUT_MS = 60_000;

/**
 * Creating one fences every earlier producer with the same id and aborts its open transaction.
 * Closing one aborts its own open transaction, if any.
 */
export class MemoryTransactionalProducer implements TransactionalProducer {
  readonly #cluster: MemoryCluster;
  readonly #epoch: number;
  readonly #transactionTimeoutMs: number;
  readonly #partitioner = new Partitioner();
  #closing: Promise<void> | undefined;

  constructor(
    cluster: MemoryCluster,
    readonly transactionalId: string,
    options: TransactionalProducerOptions = {},
  ) {
    this.#cluster = cluster;
    this.#transactionTimeoutMs = options.transactionTimeoutMs ?? DEFAULT_TRANSACTION_TIMEOUT_MS;
    this.#epoch = cluster.transactions.initProducer(transactionalId);
  }

  begin(): Promise<Transaction> {
    return runNow(() => {
      if (this.#closing !== undefined) throw new IllegalStateError(`transactional producer "${this.transactionalId}" is closed`);
      const open = this.#cluster.transactions.begin(this.transactionalId, this.#epoch, this.#transactionTimeoutMs);
      return new MemoryTransaction(this.#cluster, open, this.#partitioner);
    });
  }

  close(): Promise<void> {
    return (this.#closing ??= runNow(() => this.#cluster.transactions.release(this.transactionalId, this.#epoch)));
  }
}

/** One transaction: records get offsets when sent and become visible to read_committed at commit. */
class MemoryTransaction implements Transaction {
  readonly #cluster: MemoryCluster;
  readonly #open: OpenTransaction;
  readonly #partitioner: Partitioner;

  constructor(cluster: MemoryCluster, open: OpenTransaction, partitioner: Partitioner) {
    this.#cluster = cluster;
    this.#open = open;
    this.#partitioner = partitioner;
  }

  send(records: readonly ProducerRecord[]): Promise<RecordMetadata[]> {
    return runNow(() => {
      const transactions = this.#cluster.transactions;
      transactions.checkOpen(this.#open);
      return routeRecords(this.#cluster, this.#partitioner, records).map(({ log, record }) => ({
        topic: log.topic,
        partition: log.partition,
        offset: BigInt(transactions.append(this.#open, log, record)),
      }));
    });
  }

  sendOffsets(groupId: string, offsets: readonly TopicPartitionOffset[]): Promise<void> {
    return runNow(() => this.#cluster.transactions.addOffsets(this.#open, groupId, offsets));
  }

  commit(): Promise<void> {
    return runNow(() => this.#cluster.transactions.end(this.#open, 'committed'));
  }

  abort(): Promise<void> {
    return runNow(() => this.#cluster.transactions.end(this.#open, 'aborted'));
  }
}
