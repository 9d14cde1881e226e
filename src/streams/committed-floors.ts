// CommittedFloors (exactly_once): per partition, the offset below which records were committed by an
// earlier owner after this member fetched its start offset. StreamSource reads them once a new
// assignment's producers have fenced every earlier owner, and drops records below them.

import type { Admin, RecordBatch, TopicPartition, TopicPartitionOffset } from '../kafka/index.js';
import type { Clock } from '../service/index.js';

const id = (tp: TopicPartition): string => `${tp.topic}\u0000${tp.partition}`;

/**
 * Two reads of the committed offsets this far apart must agree before they are trusted. Too low: a
 * lagging group coordinator is read twice before it applied the previous owner's last offsets; too
 * high: every assignment waits longer to start.
 */
const STABLE_OFFSETS_MS = 300;
const STABLE_OFFSETS_MAX_READS = 20;

export class CommittedFloors {
  /** Per partition: the committed offset read once its earlier owners were fenced. */
  readonly #floors = new Map<string, bigint>();
  /**
   * Per partition, the highest offset a transaction of this worker committed. Once EndTxn has
   * answered, the commit is decided, but the group coordinator applies its offsets a moment later;
   * a read of the committed offsets right after this worker's own revoke commit (a partition it
   * keeps) can still return the older one, and its records would be processed twice. Committed
   * offsets only grow, so the floor is the higher of the two.
   */
  readonly #ownCommits = new Map<string, bigint>();

  /** The batch without its records below the partition's floor; undefined when none is left. */
  filter(batch: RecordBatch): RecordBatch | undefined {
    const floor = this.#floors.get(id(batch));
    if (floor === undefined || batch.records[0]!.offset >= floor) return batch;
    const records = batch.records.filter((r) => r.offset >= floor);
    return records.length === 0 ? undefined : { ...batch, records };
  }

  /** A transaction of this worker committed `offset`. */
  committed(offset: TopicPartitionOffset): void {
    const key = id(offset);
    if ((this.#ownCommits.get(key) ?? -1n) < offset.offset) this.#ownCommits.set(key, offset.offset);
  }

  /** The assignment was revoked: its floors go (the next one reads its own). */
  clear(): void {
    this.#floors.clear();
  }

  /**
   * Reads each partition's committed offset as the group has it now and makes it the floor. Called
   * once the partitions' producers fenced every earlier owner: no earlier owner can commit after
   * that, so these offsets are final, while the ones the consumer fetched when it joined may predate
   * the earlier owner's last transaction (kafkajs rejoins at once on a rebalance, without waiting for
   * the members' last commits). Final, but maybe not visible yet: the group coordinator applies a
   * committed transaction's offsets a moment after the transaction completes, and kafkajs's
   * OffsetFetch (v4 at most) cannot ask for stable offsets (require_stable, KIP-447). A read that
   * missed them would let the previous owner's last transaction be processed again (a whole
   * commit's outputs twice). So the offsets are read until two reads STABLE_OFFSETS_MS apart agree.
   * `isCurrent` false at the end (a newer assignment came meanwhile) sets nothing.
   */
  async read(
    admin: Admin,
    groupId: string,
    partitions: readonly TopicPartition[],
    context: { readonly clock: Clock; readonly signal: AbortSignal; readonly isCurrent: () => boolean },
  ): Promise<void> {
    const topics = [...new Set(partitions.map((p) => p.topic))];
    const wanted = new Set(partitions.map(id));
    const readOnce = async (): Promise<Map<string, bigint>> => {
      const committed = await admin.committedOffsets(groupId, topics);
      return new Map(committed.filter((o) => o.offset >= 0n && wanted.has(id(o))).map((o) => [id(o), o.offset]));
    };
    let floors = await readOnce();
    for (let reads = 1; reads < STABLE_OFFSETS_MAX_READS; reads++) {
      await context.clock.sleep(STABLE_OFFSETS_MS, context.signal);
      const again = await readOnce();
      const isStable = again.size === floors.size && [...again].every(([key, offset]) => floors.get(key) === offset);
      floors = again;
      if (isStable) break;
    }
    if (!context.isCurrent()) return;
    for (const key of wanted) {
      const read = floors.get(key);
      const own = this.#ownCommits.get(key);
      const floor = read === undefined ? own : own === undefined || read >= own ? read : own;
      if (floor !== undefined) this.#floors.set(key, floor);
    }
  }
}
