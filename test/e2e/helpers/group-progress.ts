// How far a consumer group has committed a topic, per partition, and a wait for it to reach the end
// offsets: what the end-to-end tests use to know an app has processed everything produced.

import type { Admin } from '../../../src/kafka/index.js';
import { waitFor } from '../../helpers/wait-for.js';

/** One partition: the group's committed offset (0 when it has none) and the end offset. */
export interface PartitionProgress {
  readonly partition: number;
  readonly committed: bigint;
  readonly end: bigint;
}

/** Per partition of `topic`, how far `group` has committed it. */
export async function groupProgress(admin: Admin, group: string, topic: string): Promise<PartitionProgress[]> {
  const [ends, committed] = await Promise.all([admin.offsets(topic), admin.committedOffsets(group, [topic])]);
  return ends.map((e) => {
    const offset = committed.find((c) => c.partition === e.partition)?.offset ?? -1n;
    return { partition: e.partition, committed: offset < 0n ? 0n : offset, end: e.latest };
  });
}

/** The committed and end offsets summed over the partitions. */
export function sumProgress(progress: readonly PartitionProgress[]): { committed: bigint; end: bigint } {
  return progress.reduce((total, p) => ({ committed: total.committed + p.committed, end: total.end + p.end }), { committed: 0n, end: 0n });
}

/** Waits until `group` has committed every partition of `topic` to its end offset. */
export async function waitCommittedToEnd(admin: Admin, group: string, topic: string, timeoutMs: number): Promise<void> {
  await waitFor(async () => (await groupProgress(admin, group, topic)).every((p) => p.committed === p.end), {
    timeoutMs,
    intervalMs: 250,
    message: `the group ${group} commits ${topic} up to its end offsets`,
  });
}
