// Where a handler's send lands and with what time: `partition` and `timestamp` of SendOptions
// (Faust's `send(partition=…, timestamp=…)`), checked before the record is queued so a bad one fails
// the handler's send at once, not the batch it would have joined.

import { KafkaError } from '../errors/index.js';
import type { OutboxMessage } from '../agents/index.js';

/** The `partition` and `timestamp` fields of the record for `message`; `{}` when it sets neither. */
export function placement(topic: string, message: OutboxMessage, partitionsOf: ReadonlyMap<string, number>): { partition?: number; timestamp?: number } {
  const { partition, timestamp } = message;
  if (partition === undefined && timestamp === undefined) return {};
  if (partition !== undefined) {
    const count = partitionsOf.get(topic);
    if (!Number.isInteger(partition) || partition < 0 || (count !== undefined && partition >= count)) {
      const range = count === undefined ? 'a partition number, 0 or more' : `0 to ${count - 1}`;
      throw new KafkaError(`cannot send to ${topic} partition ${String(partition)}: the topic's partitions are ${range}`, { code: 'STREAMD_BAD_PARTITION' });
    }
  }
  const ms = timestamp instanceof Date ? timestamp.getTime() : timestamp;
  if (ms !== undefined && (!Number.isSafeInteger(ms) || ms < 0)) {
    throw new KafkaError(`cannot send to ${topic} with timestamp ${String(timestamp)}: give milliseconds since the epoch (0 or more) or a valid Date`, { code: 'STREAMD_BAD_TIMESTAMP' });
  }
  return { ...(partition === undefined ? {} : { partition }), ...(ms === undefined ? {} : { timestamp: ms }) };
}
