// The commit protocol (ARCHITECTURE.md §3) for one snapshot of acked offsets and taken table writes:
// flush the producer, send the changelog records, commit the offsets, write the stores. Called by
// StreamSource for its interval, commitEvery, revoke and shutdown commits.

import type { Logger } from 'pino';
import { hasCode, RebalanceInProgressError } from '../errors/index.js';
import type { Consumer, TopicPartitionOffset } from '../kafka/index.js';
import type { WorkerMetrics } from '../metrics/index.js';
import type { Clock } from '../service/index.js';
import type { PartitionTracker } from './tracked-message.js';

/**
 * The table steps of the commit protocol. `take` runs when the commit snapshot is taken; `send`
 * after the producer flush and before the offset commit (the changelog records, with their
 * offsets); `write` after the offset commit (the stores). `drop` when what was taken is not sent,
 * or not wholly (the commit was abandoned, or the send failed): a table partition's later flushes
 * claim the dropped one's events too, so that partition must take no more writes.
 */
export interface CommitParticipant {
  take(): unknown[];
  send(taken: unknown[]): Promise<void>;
  write(taken: unknown[]): Promise<void>;
  drop(taken: unknown[]): void;
}

/** An acked prefix of one partition: the tracker, and the next offset to read. */
export interface SnapshotOffset {
  readonly tracker: PartitionTracker;
  readonly offset: TopicPartitionOffset;
}

/** What the protocol needs of the stream source. */
export interface CommitContext {
  readonly log: Logger;
  readonly clock: Clock;
  /** Step (1): every record sent before it is on the broker. */
  readonly flush: () => Promise<void>;
  readonly tables: CommitParticipant | undefined;
  readonly metrics: WorkerMetrics;
  /** False once `consumer` was replaced (a broker failure): its member is gone from the group. */
  readonly isCurrent: (consumer: Consumer) => boolean;
  /** The partition's end offset as of its last batch, for the lag gauge. */
  readonly endOf: (offset: TopicPartitionOffset) => bigint | undefined;
}

export interface Snapshot {
  readonly consumer: Consumer;
  readonly offsets: readonly SnapshotOffset[];
  readonly reason: string;
  readonly taken: unknown[];
  /** Checked after the flush, before anything of the snapshot is sent, and again before the offsets go. */
  readonly isStillOwner: () => boolean;
}

/**
 * Commits a snapshot. Table writes it took but did not send, wholly, are dropped, and their
 * partitions take no more writes: a later flush of such a partition would carry positions covering
 * the dropped writes' events, and whoever recovers it would skip them.
 */
export async function commitSnapshot(context: CommitContext, snapshot: Snapshot): Promise<void> {
  let isSent = snapshot.taken.length === 0;
  try {
    await sendAndCommit(context, snapshot, () => (isSent = true));
  } finally {
    // Taken table writes that did not reach the changelog: their partitions stop taking writes.
    if (!isSent) context.tables!.drop(snapshot.taken);
  }
}

/**
 * (1) flush the producer: every sink record of the events in the snapshot is on the broker;
 * (1b) send the tables' changelog records, which carry the input positions they reflect;
 * (2) commit the offsets; (3) write the tables' stores. A crash between any two steps loses
 * nothing and applies nothing twice: recovery replays the changelog, and replayed events the
 * changelog already reflects do not write the tables again.
 */
async function sendAndCommit(context: CommitContext, snapshot: Snapshot, onSent: () => void): Promise<void> {
  const { log, clock, tables } = context;
  const { consumer, offsets, reason, taken } = snapshot;
  const started = clock.now();
  await context.flush();
  // The flush can wait out a broker outage, during which the member that took the snapshot is
  // replaced by a new one (StreamSource's #waitOutBroker). Its partitions may be another worker's
  // by now, recovered from the changelog already: changelog records sent now would land after
  // that worker's own and overwrite its newer values (a zombie write). Nothing is sent or
  // committed; the table writes are dropped (commitSnapshot), and the events are processed again
  // by whoever owns them now. (A rebalance of a member that stays is not this case: its revoke
  // commit holds the member's rejoin, so the group cannot give its partitions away meanwhile.)
  if (!snapshot.isStillOwner()) {
    log.info({ reason }, 'commit abandoned: the consumer was replaced while the producer flushed; uncommitted events will be processed again');
    return;
  }
  if (taken.length > 0) await tables!.send(taken);
  onSent();
  try {
    // The consumer may have failed while the flush waited out a broker outage: its member is gone.
    if (!context.isCurrent(consumer)) throw new RebalanceInProgressError('the consumer left the group during the commit (a broker failure); the next member commits');
    // A revoke commit that outlasted its hold: the member has joined again, and offsets committed now
    // would go out under the new generation for partitions that may be another member's.
    if (!snapshot.isStillOwner()) throw new RebalanceInProgressError('the member joined the group again during the revoke commit; the next owner commits');
    if (offsets.length > 0) await consumer.commit(offsets.map((o) => o.offset));
  } catch (err) {
    if (hasCode(err, 'STREAMD_REBALANCE_IN_PROGRESS')) {
      log.info({ reason }, 'commit skipped: the group is rebalancing; uncommitted events will be processed again');
      // The changelog has the records already: the stores must agree with it.
      if (taken.length > 0) await tables!.write(taken);
      return;
    }
    throw err;
  }
  if (taken.length > 0) await tables!.write(taken);
  markCommitted(context, offsets, reason, started);
}

/** The offsets are committed: their trackers, the lag gauge, the commit latency and a debug line say so. */
export function markCommitted(context: CommitContext, offsets: readonly SnapshotOffset[], reason: string, started: number): void {
  const { log, clock, metrics } = context;
  for (const { tracker, offset } of offsets) {
    tracker.markCommitted(offset.offset);
    const end = context.endOf(offset);
    if (end !== undefined) metrics.consumerLag(offset.topic, offset.partition, Math.max(0, Number(end - offset.offset)));
  }
  metrics.committed((clock.now() - started) / 1000);
  log.debug({ reason, offsets: offsets.map((o) => `${o.offset.topic}[${o.offset.partition}]@${o.offset.offset}`) }, 'committed offsets');
}
