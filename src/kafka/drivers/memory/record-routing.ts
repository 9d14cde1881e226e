// Routes the records of one send to their partition logs and takes private copies of their buffers.
// Both memory producers call it before appending anything, so a bad record fails the whole send.

import type { Partitioner } from '../../partitioner.js';
import { checkRecordSizes } from '../../record-size.js';
import type { ProducerRecord } from '../../types.js';
import type { MemoryCluster } from './cluster.js';
import { copyHeaders, type PartitionLog, type StoredRecord } from './partition-log.js';

/** A record ready to append, and where. */
export interface RoutedRecord {
  readonly log: PartitionLog;
  readonly record: StoredRecord;
}

/**
 * Picks each record's partition (its own, else by key or round robin through `partitioner`) and
 * copies it. Rejects with STREAMD_UNKNOWN_TOPIC for an unknown topic or a partition out of range,
 * and with STREAMD_RECORD_TOO_LARGE for a record over its topic's max.message.bytes, as the
 * networked driver does: no batch can carry it. A send of any total size is otherwise accepted
 * (the networked driver splits it into requests; in one process there is nothing to split).
 */
export function routeRecords(cluster: MemoryCluster, partitioner: Partitioner, records: readonly ProducerRecord[]): RoutedRecord[] {
  checkRecordSizes(records, (topic) => cluster.maxMessageBytes(topic));
  return records.map((record) => {
    const partitionCount = cluster.logs(record.topic).length;
    const partition = record.partition ?? partitioner.partition(record.topic, record.key, partitionCount);
    return {
      log: cluster.log(record.topic, partition),
      record: {
        key: record.key === undefined || record.key === null ? null : Buffer.from(record.key),
        value: record.value === null ? null : Buffer.from(record.value),
        headers: copyHeaders(record.headers ?? {}),
        timestamp: record.timestamp ?? Date.now(),
      },
    };
  });
}
