// The commit protocol under exactly_once: steps (1) and (2) of commit-snapshot.ts are replaced by one
// Kafka transaction per input partition (or co-partitioned group), which the worker's transactional
// steps (src/worker/eos) run; then (3) the stores. Called by StreamSource for every commit.

import type { ProducerRecord, TopicPartitionOffset } from '../kafka/index.js';
import { markCommitted, type CommitContext, type SnapshotOffset } from './commit-snapshot.js';

/** One input partition's part of a commit: the offset to commit and what its events sent. */
export interface CommitPart {
  readonly offset: TopicPartitionOffset;
  /** exactly_once only: the records its events below `offset` sent, in send order. */
  readonly records: readonly ProducerRecord[];
}

/** An acked prefix of one partition with what its events sent (empty under at_least_once). */
export interface PartOffset extends SnapshotOffset, CommitPart {}

/**
 * Steps (1) and (2) of a commit under exactly_once: one transaction per input partition (or
 * co-partitioned group of them) holding its records, its tables' changelog records and its offsets.
 * Resolves with the offsets and table flushes whose transaction committed; a partition whose
 * transaction failed (fenced) is left out, and its events are processed again by its next owner.
 */
export interface TransactionalSteps {
  /** Records of acked events, ready before the next commit: into their partition's open transaction. */
  send(parts: readonly CommitPart[]): void;
  commit(parts: readonly CommitPart[], taken: unknown[]): Promise<{ offsets: readonly TopicPartitionOffset[]; taken: unknown[] }>;
}

const id = (tp: { topic: string; partition: number }): string => `${tp.topic}\u0000${tp.partition}`;

/**
 * (1)+(2) in one transaction per input partition, then (3) the stores, only with the flushes whose
 * transaction committed: an aborted one leaves the stores as they were, and its table partitions
 * take no more writes (commit-snapshot.ts says why), like any flush a commit did not send.
 * Resolves with the offsets whose transaction committed.
 */
export async function commitTransactions(context: CommitContext, transactions: TransactionalSteps, offsets: readonly PartOffset[], reason: string, taken: unknown[]): Promise<readonly TopicPartitionOffset[]> {
  const started = context.clock.now();
  let done: { offsets: readonly TopicPartitionOffset[]; taken: unknown[] } = { offsets: [], taken: [] };
  try {
    done = await transactions.commit(offsets, taken);
  } finally {
    const committedFlushes = new Set(done.taken);
    const notCommitted = taken.filter((flush) => !committedFlushes.has(flush));
    if (notCommitted.length > 0) context.tables!.drop(notCommitted);
  }
  if (done.taken.length > 0) await context.tables!.write(done.taken);
  const committed = new Set(done.offsets.map(id));
  markCommitted(context, offsets.filter((o) => committed.has(id(o.offset))), reason, started);
  return done.offsets;
}
