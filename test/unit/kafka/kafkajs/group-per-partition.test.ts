// kafkajs's per-partition grouping of a send's messages, replaced by a linear one (kafkajs 2.2.4's
// copies the partition's array for every message): the same result, and installed in kafkajs.

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import '../../../../src/kafka/drivers/kafkajs/kafkajs.js';
import { groupMessagesPerPartition } from '../../../../src/kafka/drivers/kafkajs/group-per-partition.js';

interface Message {
  readonly n: number;
}

describe("kafkajs's per-partition grouping", () => {
  it('groups messages by the partition the partitioner picks, each list in call order, calling it once per message in order', () => {
    const messages: Message[] = Array.from({ length: 10 }, (_, n) => ({ n }));
    const seen: number[] = [];
    const grouped = groupMessagesPerPartition({
      topic: 't',
      partitionMetadata: [{}, {}, {}],
      messages,
      partitioner: ({ message }) => {
        seen.push(message.n);
        return (message.n * 7) % 3;
      },
    });
    assert.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual(
      Object.fromEntries(Object.entries(grouped).map(([partition, list]) => [partition, list.map((m) => m.n)])),
      { 0: [0, 3, 6, 9], 1: [1, 4, 7], 2: [2, 5, 8] },
    );
  });

  it('gives no groups when the topic has no partitions known, as kafkajs does', () => {
    assert.deepEqual(groupMessagesPerPartition({ topic: 't', partitionMetadata: [], messages: [{ n: 1 }], partitioner: () => 0 }), {});
  });

  it("is what kafkajs's producer loads once the driver's kafkajs module is imported", () => {
    const require = createRequire(import.meta.url);
    assert.equal(require('kafkajs/src/producer/groupMessagesPerPartition.js'), groupMessagesPerPartition);
  });
});
