// Applies changelog records to a table partition's store: recovery, standbys and global tables all
// write the changelog into stores this way.

import type { ConsumerRecord, RecordBatch } from '../kafka/index.js';
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
  const { records } = batch;
  let header: Buffer | undefined;
  for (let i = records.length - 1; i >= 0 && header === undefined; i--) header = records[i]!.headers[POSITIONS_HEADER];
  if (header !== undefined) positions.merge(TablePositions.decode(header));
  const { puts, deletes } = records.some((record) => record.value === null) ? latestPerKey(records, keyOf) : putsInOrder(records, keyOf);
  const offset = batch.nextOffset - 1n;
  await store.write({ puts, deletes, offset, ...(header === undefined ? {} : { meta: positions.encode() }) });
  return offset;
}

/**
 * A batch without tombstones: every record is a put, in offset order, and a store applies the puts
 * of a write in order, so a key written twice ends with its later value without any per-key lookup.
 */
function putsInOrder(records: readonly ConsumerRecord[], keyOf: ChangelogKeyReader): { puts: [Buffer, Buffer][]; deletes: Buffer[] } {
  const puts: [Buffer, Buffer][] = [];
  for (const record of records) {
    const key = keyOf(record)?.key;
    if (key !== undefined) puts.push([key, record.value!]);
  }
  return { puts, deletes: [] };
}

/** A batch with tombstones: a store deletes after its puts, so only each key's last record goes in. */
function latestPerKey(records: readonly ConsumerRecord[], keyOf: ChangelogKeyReader): { puts: [Buffer, Buffer][]; deletes: Buffer[] } {
  const latest = new Map<string, { key: Buffer; value: Buffer | null }>();
  for (const record of records) {
    const key = keyOf(record)?.key;
    if (key !== undefined) latest.set(key.toString('latin1'), { key, value: record.value });
  }
  const puts: [Buffer, Buffer][] = [];
  const deletes: Buffer[] = [];
  for (const { key, value } of latest.values()) {
    if (value === null) deletes.push(key);
    else puts.push([key, value]);
  }
  return { puts, deletes };
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
