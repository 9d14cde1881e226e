// exactly_once for one worker: the task ids, the task producers and the transactional commit, and
// the part of each assignment that comes before processing: (1) the last commit of the previous
// assignment has ended, (2) every assigned task has its producer, which fenced the task's earlier
// owner (the broker ends that owner's open transaction), (3) after table recovery, each partition's
// committed offset is read again, now that no earlier owner can commit any more, and the records
// below it are skipped (the consumer may have fetched an older one when it joined).
//
// Not in any transaction: sends from timers, crontabs, start-up tasks and views (no input event),
// `ask` requests, and global tables' changelog records: those are sent at-least-once on the plain
// producer.

import type { Logger } from 'pino';
import type { CopartitionGroup } from '../../assignor/index.js';
import type { KafkaDriver, ProducerRecord, TopicPartition } from '../../kafka/index.js';
import type { WorkerMetrics } from '../../metrics/index.js';
import type { Event, SendSource } from '../../streams/index.js';
import type { Tables } from '../../tables/index.js';
import { TaskIds } from './task-ids.js';
import { TaskProducers } from './task-producers.js';
import { TransactionalCommit } from './transactional-commit.js';

/**
 * How long the broker lets a transaction stay open before it aborts it (F13). A transaction here
 * lasts one commit (it begins when the commit starts), so this only bounds how long a crashed
 * owner's open transaction can block read_committed readers when no new owner fences it.
 */
export const TRANSACTION_TIMEOUT_MS = 10_000;

export interface ExactlyOnceOptions {
  readonly prefix: string;
  readonly driver: KafkaDriver;
  readonly tables: Tables | undefined;
  readonly groupId: string;
  readonly logger: Logger;
  readonly metrics: WorkerMetrics;
  /** Leave the group and join again (a task was fenced or its transaction failed). */
  readonly rejoin: (reason: string) => void;
}

export class ExactlyOnce {
  readonly ids: TaskIds;
  readonly producers: TaskProducers;
  readonly transactions: TransactionalCommit;
  readonly #log: Logger;

  constructor(options: ExactlyOnceOptions) {
    this.#log = options.logger.child({ component: 'exactly_once' });
    this.ids = new TaskIds(options.prefix);
    this.producers = new TaskProducers({ driver: options.driver, ids: this.ids, log: this.#log, transactionTimeoutMs: TRANSACTION_TIMEOUT_MS });
    this.transactions = new TransactionalCommit({
      ids: this.ids,
      producers: this.producers,
      tables: options.tables,
      groupId: options.groupId,
      log: this.#log,
      metrics: options.metrics,
      onDropped: options.rejoin,
    });
  }

  /**
   * The co-partitioned groups decide the tasks (see task-ids.ts). Logs what exactly_once covers and
   * how many tasks, so transactional producers, the app's input partitions make across its workers.
   */
  useGroups(groups: readonly CopartitionGroup[], topics: readonly string[], partitionCounts: ReadonlyMap<string, number>): void {
    this.ids.useGroups(groups);
    const tasks = new Set(topics.flatMap((topic) => Array.from({ length: partitionCounts.get(topic) ?? 0 }, (_, partition) => this.ids.taskOf({ topic, partition }))));
    this.#log.info(
      { processingGuarantee: 'exactly_once', tasks: tasks.size, transactionalProducers: this.producers.count, transactionTimeoutMs: TRANSACTION_TIMEOUT_MS },
      `exactly_once: ${tasks.size} tasks (input partitions, co-partitioned ones together), one transactional producer each, ` +
        `held by the workers they are assigned to; this worker holds ${this.producers.count} until its first assignment. ` +
        'One transaction per task and commit holds its sends, changelog records and offsets; ' +
        'sends from timers, crontabs, start-up tasks, views and ask requests are at-least-once',
    );
  }

  /**
   * Starts an assignment: aborts what the previous one left open (see TransactionalCommit.abortOpen),
   * then holds exactly the producers of the tasks of `partitions`; resolves once each fenced its
   * task's earlier owner.
   */
  async fence(partitions: readonly TopicPartition[]): Promise<void> {
    await this.transactions.abortOpen();
    await this.producers.assign(new Set(partitions.map((tp) => this.ids.taskOf(tp))));
  }

  /**
   * Puts a record made by processing `event` in the outbox of the partition generation that
   * delivered it, for that partition's next transaction. Never in another's: a record whose
   * generation was revoked (while its event was in hand, or after its ack, even if the partition
   * came back to this worker since) is dropped, since that generation's uncommitted events are
   * processed again by the partition's next owner, which sends the record again.
   */
  enqueueFor(record: ProducerRecord, event: Event): void {
    this.enqueue(record, event.delivery);
  }

  /** As `enqueueFor`, for a record made on behalf of the input record `source` (a dead letter). */
  enqueue(record: ProducerRecord, source: SendSource | undefined): void {
    if (source === undefined || source.tracker.isRevoked) {
      this.#log.debug({ topic: record.topic }, 'exactly_once: a send of a revoked partition is dropped; its event is processed again by the next owner');
      return;
    }
    source.tracker.outbox.add(source.offset, record);
  }

  close(): Promise<void> {
    return this.producers.close();
  }
}
