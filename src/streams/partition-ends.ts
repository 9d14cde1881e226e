// How far each assigned partition has been read against its end offset, for "is this partition
// caught up?" (a windowed table's idle close must not fire on a partition that still has records to
// read). A batch tells the end it saw; a partition that has had no batch since its assignment has an
// unknown end, which is asked of the broker once (its end offset against the group's committed
// offset): until the answer says nothing is left, the partition is not caught up. Owned by StreamSource.

import type { Logger } from 'pino';
import type { Admin, KafkaDriver, RecordBatch, TopicPartition } from '../kafka/index.js';

const key = (tp: TopicPartition): string => `${tp.topic}\u0000${tp.partition}`;

export class PartitionEnds {
  readonly #driver: KafkaDriver;
  readonly #groupId: string;
  readonly #log: Logger;
  /** The end offset (high watermark) of each partition as of its last batch. */
  readonly #ends = new Map<string, bigint>();
  /** The last offset delivered per partition. */
  readonly #delivered = new Map<string, bigint>();
  /** Partitions without a batch that the broker says have nothing to read past the committed offset. */
  readonly #readToEnd = new Set<string>();
  #checking: Promise<void> | undefined;
  #generation = 0;
  #admin: Promise<Admin> | undefined;

  constructor(options: { readonly driver: KafkaDriver; readonly groupId: string; readonly log: Logger }) {
    this.#driver = options.driver;
    this.#groupId = options.groupId;
    this.#log = options.log;
  }

  delivered(batch: RecordBatch): void {
    this.#ends.set(key(batch), batch.highWatermark);
    this.#delivered.set(key(batch), batch.records[batch.records.length - 1]!.offset);
  }

  /** The end offset the last batch of `tp` reported. */
  endOf(tp: TopicPartition): bigint | undefined {
    return this.#ends.get(key(tp));
  }

  /** A new assignment (or none): every end is unknown again. */
  clear(): void {
    this.#generation += 1;
    this.#ends.clear();
    this.#delivered.clear();
    this.#readToEnd.clear();
  }

  /**
   * Whether every partition of `assignment` numbered `partition` is read to its end, with
   * `pending(tp)` events of it not yet acked. Unknown ends make it false and start a check.
   */
  isCaughtUp(partition: number, assignment: readonly TopicPartition[], pending: (tp: TopicPartition) => number): boolean {
    const unknown: TopicPartition[] = [];
    for (const tp of assignment) {
      if (tp.partition !== partition) continue;
      if (pending(tp) > 0) return false;
      const end = this.#ends.get(key(tp));
      if (end === undefined) {
        if (!this.#readToEnd.has(key(tp))) unknown.push(tp);
        continue;
      }
      if ((this.#delivered.get(key(tp)) ?? -1n) + 1n < end) return false;
    }
    if (unknown.length === 0) return true;
    this.#check(unknown);
    return false;
  }

  /** Resolves when the check in flight (if any) has its answer. */
  async whenChecked(): Promise<void> {
    await this.#checking;
  }

  async close(): Promise<void> {
    const admin = this.#admin;
    this.#admin = undefined;
    await this.#checking;
    if (admin !== undefined) await (await admin.catch(() => undefined))?.close().catch(() => undefined);
  }

  /** Asks the broker whether `partitions` have records past the group's committed offsets; one check at a time. */
  #check(partitions: readonly TopicPartition[]): void {
    if (this.#checking !== undefined) return;
    const generation = this.#generation;
    this.#checking = (async () => {
      const admin = await (this.#admin ??= this.#driver.admin());
      const topics = [...new Set(partitions.map((tp) => tp.topic))];
      const committed = await admin.committedOffsets(this.#groupId, topics);
      for (const topic of topics) {
        const ends = await admin.offsets(topic);
        for (const tp of partitions.filter((p) => p.topic === topic)) {
          const end = ends.find((e) => e.partition === tp.partition);
          const offset = committed.find((c) => c.topic === topic && c.partition === tp.partition)?.offset;
          const from = offset === undefined || offset < 0n ? end?.earliest : offset;
          if (generation === this.#generation && end !== undefined && from !== undefined && from >= end.latest) this.#readToEnd.add(key(tp));
        }
      }
    })()
      .catch((err: unknown) => {
        this.#log.debug({ err }, 'could not read the end offsets of partitions without a batch yet; asking again later');
        this.#admin = undefined;
      })
      .finally(() => (this.#checking = undefined));
  }
}
