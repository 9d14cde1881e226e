// Applies changelog records to a table partition's store: recovery, standbys and global tables all
// write the changelog into stores this way.

import type { RecordBatch } from '../kafka/index.js';
import type { Store } from '../stores/index.js';
import type { ChangelogKeyReader } from './key-encoding.js';
import { POSITIONS_HEADER, TablePositions } from './positions.js';

/**
 * Writes one changelog batch into a store in one atomic write: the last record per key wins (a
 * tombstone deletes), with the batch's position as the store's offset and, when the batch carries
 * positions, `positions` raised to them as its metadata. `keyOf` reads each record's key in the
 * table's encoding (see key-encoding.ts). Returns the offset written.
 */
export async function applyChangelogBatch(store: Store, positions: TablePositions, batch: RecordBatch, keyOf: ChangelogKeyReader): Promise<bigint> {
  const latest = new Map<string, { key: Buffer; value: Buffer | null }>();
  let header: Buffer | undefined;
  for (const record of batch.records) {
    const key = keyOf(record)?.key;
    if (key === undefined) continue;
    latest.set(key.toString('latin1'), { key, value: record.value });
    header = record.headers[POSITIONS_HEADER] ?? header;
  }
  if (header !== undefined) positions.merge(TablePositions.decode(header));
  const puts: [Buffer, Buffer][] = [];
  const deletes: Buffer[] = [];
  for (const { key, value } of latest.values()) {
    if (value === null) deletes.push(key);
    else puts.push([key, value]);
  }
  const offset = batch.nextOffset - 1n;
  await store.write({ puts, deletes, offset, ...(header === undefined ? {} : { meta: positions.encode() }) });
  return offset;
}

/**
 * Applies a changelog batch in store writes of at most `recordsPerWrite` records each
 * (settings.recoveryBufferSize): a fetch of many records is not held as one write. Each write carries
 * the offset of its last record, so a crash between writes resumes after the last one written.
 */
export async function applyChangelogInWrites(store: Store, positions: TablePositions, batch: RecordBatch, keyOf: ChangelogKeyReader, recordsPerWrite: number): Promise<bigint> {
  const { records } = batch;
  if (records.length <= recordsPerWrite) return applyChangelogBatch(store, positions, batch, keyOf);
  let offset = batch.nextOffset - 1n;
  for (let start = 0; start < records.length; start += recordsPerWrite) {
    const chunk = records.slice(start, start + recordsPerWrite);
    const isLast = start + recordsPerWrite >= records.length;
    offset = await applyChangelogBatch(store, positions, { ...batch, records: chunk, nextOffset: isLast ? batch.nextOffset : chunk.at(-1)!.offset + 1n }, keyOf);
  }
  return offset;
}
