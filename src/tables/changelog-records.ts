// The changelog records of a commit's table flushes (Tables.sendFlushes sends them): one record per
// key written, the key's encoding on every record, the positions on the last of each flush.

import type { ProducerRecord } from '../kafka/index.js';
import { KEY_ENCODING_HEADER } from './key-encoding.js';
import { POSITIONS_HEADER } from './positions.js';
import type { Flush } from './table-partition.js';
import type { TableRuntime } from './table-runtime.js';

/**
 * The records of `flushes`, and for each record the flush it came from. Only the last record of each
 * table partition's flush carries the positions header, so the header costs one record's worth per
 * flush however many keys it has; recovery takes the last header it reads (apply-changelog.ts). The
 * driver may split the send into several requests, and a crash can leave only a prefix of a flush
 * on the changelog: that prefix has no header, so recovery keeps the positions of the previous
 * flush and replays the flush's events from there. Their writes already in the prefix are applied
 * again on top of themselves: at worst an at-least-once over-count of those events, never a lost
 * update, which a header on every record would allow (it would claim the whole flush on its first
 * record).
 */
export function changelogRecords(flushes: readonly Flush[], runtimeOf: (table: string) => TableRuntime): { records: ProducerRecord[]; owners: Flush[] } {
  const records: ProducerRecord[] = [];
  const owners: Flush[] = [];
  for (const flush of flushes) {
    const table = runtimeOf(flush.partition.table);
    const keyEncoding = { [KEY_ENCODING_HEADER]: Buffer.from(table.keyEncoding) };
    const lastHeaders = { ...keyEncoding, [POSITIONS_HEADER]: flush.positions.encode() };
    let left = flush.entries.size;
    for (const { key, value } of flush.entries.values()) {
      const isLast = --left === 0;
      records.push({ topic: table.changelog, partition: flush.partition.partition, key, value, headers: isLast ? lastHeaders : keyEncoding });
      owners.push(flush);
    }
  }
  return { records, owners };
}
