// Steps (1) and (2) of the commit protocol under exactly_once (ARCHITECTURE §3): per task, one
// transaction holding what the task's input partitions' events sent (sinks, repartition records,
// dead letters, replies), its tables' changelog records and its consumed offsets. A task's
// transaction is open between commits: records of acked events go into it as they are ready
// (`send`, pumped by the consumer), so sending overlaps processing; the commit sends the rest and the
// offsets and commits it. Each task's steps run one after the other on its own chain, in the order
// they were called, and tasks commit in parallel, each on its own producer.
//
// A task whose transaction fails is dropped: its producer is discarded (a fenced one first of all:
// a newer owner holds the task), nothing of it is committed or written to a store, and the worker
// rejoins the group, so the task's events are processed again from the committed offsets by
// whoever owns it next.

import type { Logger } from 'pino';
import { hasCode } from '../../errors/index.js';
import type { ProducerRecord, TopicPartition, TopicPartitionOffset, Transaction, TransactionalProducer } from '../../kafka/index.js';
import type { WorkerMetrics } from '../../metrics/index.js';
import type { CommitPart, TransactionalSteps } from '../../streams/index.js';
import { noteOffset, type Flush, type Tables } from '../../tables/index.js';
import type { TaskIds } from './task-ids.js';
import type { TaskProducers } from './task-producers.js';

export interface TransactionalCommitOptions {
  readonly ids: TaskIds;
  readonly producers: TaskProducers;
  readonly tables: Tables | undefined;
  readonly groupId: string;
  readonly log: Logger;
  readonly metrics: WorkerMetrics;
  /** A task was dropped (fenced or failed): the worker must leave the group and join again. */
  readonly onDropped: (reason: string) => void;
}

interface TaskWork {
  readonly offsets: TopicPartitionOffset[];
  readonly records: ProducerRecord[];
  readonly flushes: Flush[];
}

/** One task's producer, its open transaction and the chain its steps run on. */
interface TaskState {
  readonly task: string;
  readonly producer: TransactionalProducer;
  chain: Promise<unknown>;
  transaction: Transaction | undefined;
  /** Partitions the open transaction has records or offsets of (for the log lines). */
  readonly partitions: Set<string>;
  isFailed: boolean;
}

type Committed = { offsets: readonly TopicPartitionOffset[]; taken: unknown[] };

const name = (tp: TopicPartition): string => `${tp.topic}[${tp.partition}]`;

export class TransactionalCommit implements TransactionalSteps {
  readonly #options: TransactionalCommitOptions;
  readonly #states = new Map<string, TaskState>();

  constructor(options: TransactionalCommitOptions) {
    this.#options = options;
  }

  /** Sends records of acked events into their task's open transaction (beginning one if none is open). */
  send(parts: readonly CommitPart[]): void {
    for (const [task, w] of this.#group(parts, [])) {
      if (w.records.length === 0) continue;
      void this.#step(task, w.offsets, async (state) => {
        await this.#sendRecords(state, w.records);
      });
    }
  }

  /**
   * Aborts every transaction still open, on each task's chain after the steps queued before. Called
   * when an assignment starts, once the previous one's last commit has ended: what is open then
   * holds only records of a revoked generation that no commit took (their events are processed
   * again from the committed offsets), and the new generation must not commit them with its own.
   */
  async abortOpen(): Promise<void> {
    const { log, ids } = this.#options;
    const aborts = [...this.#states.keys()].map((task) =>
      this.#step(task, [], async (state) => {
        const transaction = state.transaction;
        if (transaction === undefined) return;
        const partitions = [...state.partitions];
        await transaction.abort();
        state.transaction = undefined;
        state.partitions.clear();
        log.warn(
          { task, transactionalId: ids.transactionalId(task), partitions },
          `exactly_once: aborted the open transaction of ${partitions.join(', ')}: it held records of the previous assignment that no commit took; their events are processed again`,
        );
      }),
    );
    await Promise.all(aborts);
  }

  /**
   * Commits each task's part of a snapshot. Every step is queued on its task's chain at once, so a
   * later `send` cannot slip records of events past this snapshot's offsets into this transaction.
   */
  commit(parts: readonly CommitPart[], taken: unknown[]): Promise<Committed> {
    const { tables } = this.#options;
    try {
      tables?.assertWritable();
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    // A flush of no held task (a global table's) is sent at-least-once, as its own changelog follower reads it.
    const plain: Flush[] = [];
    const transactional: Flush[] = [];
    for (const flush of taken as Flush[]) (tables!.isGlobal(flush) ? plain : transactional).push(flush);
    const work = this.#group(parts, transactional);
    const results = [...work].map(([task, w]) => this.#step(task, [...w.offsets, ...w.flushes.map((f) => tables!.changelogOf(f))], (state) => this.#commitTask(state, w)).then((ok) => (ok ? w : undefined)));
    return (async () => {
      if (plain.length > 0) await tables!.sendFlushes(plain);
      const done = (await Promise.all(results)).filter((w): w is TaskWork => w !== undefined);
      return { offsets: done.flatMap((w) => w.offsets), taken: [...done.flatMap((w) => w.flushes), ...plain] };
    })();
  }

  #group(parts: readonly CommitPart[], flushes: readonly Flush[]): Map<string, TaskWork> {
    const { ids, tables } = this.#options;
    const work = new Map<string, TaskWork>();
    const of = (tp: TopicPartition): TaskWork => {
      const task = ids.taskOf(tp);
      let w = work.get(task);
      if (w === undefined) work.set(task, (w = { offsets: [], records: [], flushes: [] }));
      return w;
    };
    for (const part of parts) {
      const w = of(part.offset);
      w.offsets.push(part.offset);
      for (const record of part.records) w.records.push(record);
    }
    for (const flush of flushes) of(tables!.changelogOf(flush)).flushes.push(flush);
    return work;
  }

  /**
   * Queues `run` on the task's chain; resolves true when it ran and succeeded, false when the task
   * has no producer (dropped), failed before, or failed now (then it is dropped).
   */
  #step(task: string, partitions: readonly TopicPartition[], run: (state: TaskState) => Promise<void>): Promise<boolean> {
    const producer = this.#options.producers.get(task);
    if (producer === undefined) return Promise.resolve(false);
    let state = this.#states.get(task);
    if (state?.producer !== producer) {
      state = { task, producer, chain: Promise.resolve(), transaction: undefined, partitions: new Set(), isFailed: false };
      this.#states.set(task, state);
    }
    const s = state;
    for (const tp of partitions) s.partitions.add(name(tp));
    const next = s.chain.then(async () => {
      if (s.isFailed) return false;
      try {
        await run(s);
        return true;
      } catch (err) {
        s.isFailed = true;
        await this.#dropped(s, err);
        return false;
      }
    });
    s.chain = next;
    return next;
  }

  async #sendRecords(state: TaskState, records: readonly ProducerRecord[]): Promise<RecordMetadataLike[]> {
    state.transaction ??= await state.producer.begin();
    const started = performance.now();
    const sent = await state.transaction.send(records);
    const { metrics } = this.#options;
    metrics.sendLatency((performance.now() - started) / 1000);
    const perTopic = new Map<string, number>();
    for (const { topic } of records) perTopic.set(topic, (perTopic.get(topic) ?? 0) + 1);
    for (const [topic, count] of perTopic) metrics.messagesOut(topic, count);
    return sent;
  }

  /** The rest of the task's records, its changelog records and offsets, then the commit. */
  async #commitTask(state: TaskState, w: TaskWork): Promise<void> {
    const { tables, groupId } = this.#options;
    const changelog = w.flushes.length > 0 ? tables!.changelogRecords(w.flushes) : { records: [], owners: [] as Flush[] };
    const { owners } = changelog;
    const records = [...w.records, ...changelog.records];
    const changelogFrom = w.records.length;
    if (records.length > 0) {
      const sent = await this.#sendRecords(state, records);
      for (let i = changelogFrom; i < sent.length; i++) noteOffset(owners[i - changelogFrom]!, sent[i]!.offset);
    }
    if (w.offsets.length > 0) {
      state.transaction ??= await state.producer.begin();
      await state.transaction.sendOffsets(groupId, w.offsets);
    }
    const transaction = state.transaction;
    state.transaction = undefined;
    state.partitions.clear();
    if (transaction !== undefined) await transaction.commit();
  }

  async #dropped(state: TaskState, err: unknown): Promise<void> {
    const { producers, ids, log, onDropped } = this.#options;
    const { task } = state;
    const transactionalId = ids.transactionalId(task);
    const partitions = [...state.partitions];
    const isFenced = hasCode(err, 'STREAMD_FENCED');
    if (!isFenced) await state.transaction?.abort().catch(() => undefined);
    state.transaction = undefined;
    producers.discard(task);
    if (isFenced) {
      log.warn(
        { task, transactionalId, partitions, err },
        `exactly_once: fenced on ${partitions.join(', ')}: a newer owner holds transactional id ${transactionalId}; ` +
          'nothing of this transaction is committed, the partitions are dropped and the worker rejoins the group',
      );
      onDropped(`fenced on ${partitions.join(', ')}`);
      return;
    }
    log.error(
      { task, transactionalId, partitions, err },
      `exactly_once: the transaction of ${partitions.join(', ')} failed (a transaction timeout aborts it at the broker): ` +
        'it is aborted, its producer discarded, and the worker rejoins the group; the events are processed again from the committed offsets',
    );
    onDropped(`transaction failed on ${partitions.join(', ')}`);
  }
}

type RecordMetadataLike = { readonly offset: bigint };
