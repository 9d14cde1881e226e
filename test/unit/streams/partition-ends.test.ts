// PartitionEnds on the embedded broker: a partition with no batch since its assignment is caught up
// only once the broker says nothing is past the group's committed offset (a windowed table's idle
// close fired early after a restart, before the first batch, because an unknown end counted as read).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { createDriver, type ConsumerRecord, type RecordBatch } from '../../../src/kafka/index.js';
import { PartitionEnds } from '../../../src/streams/partition-ends.js';
import { uniqueName } from '../../helpers/unique-name.js';

const record = (offset: bigint): ConsumerRecord => ({ offset } as unknown as ConsumerRecord);
const batch = (topic: string, offsets: bigint[], highWatermark: bigint): RecordBatch =>
  (({ topic, partition: 0, records: offsets.map(record), highWatermark, nextOffset: highWatermark }));

describe('PartitionEnds', () => {
  it('counts a partition without a batch as behind until the broker says it is read to its end', async () => {
    const driver = createDriver(`memory://${uniqueName('ends')}`);
    const ends = new PartitionEnds({ driver, groupId: 'g', log: pino({ level: 'silent' }) });
    try {
      const admin = await driver.admin();
      await admin.createTopics([{ topic: 'empty', partitions: 1 }, { topic: 'full', partitions: 1 }]);
      const producer = await driver.producer();
      await producer.send([{ topic: 'full', partition: 0, key: null, value: Buffer.from('a') }]);
      const none = (): number => 0;

      assert.equal(ends.isCaughtUp(0, [{ topic: 'empty', partition: 0 }], none), false, 'unknown at first: the check has only started');
      await ends.whenChecked();
      assert.equal(ends.isCaughtUp(0, [{ topic: 'empty', partition: 0 }], none), true, 'an empty partition is caught up once checked');

      const full = [{ topic: 'full', partition: 0 }];
      assert.equal(ends.isCaughtUp(0, full, none), false, 'unknown at first');
      await ends.whenChecked();
      assert.equal(ends.isCaughtUp(0, full, none), false, 'a record past the committed offset: not caught up without a batch');
      await ends.whenChecked();

      ends.delivered(batch('full', [0n], 1n));
      assert.equal(ends.isCaughtUp(0, full, () => 1), false, 'an event not yet acked');
      assert.equal(ends.isCaughtUp(0, full, none), true, 'read to the end its batch saw, and acked');
      ends.delivered(batch('full', [0n], 3n));
      assert.equal(ends.isCaughtUp(0, full, none), false, 'the batch saw records past it');

      ends.clear();
      assert.equal(ends.isCaughtUp(0, [{ topic: 'empty', partition: 0 }], none), false, 'a new assignment: every end is unknown again');
      await admin.close();
    } finally {
      await ends.close();
      await driver.close();
    }
  });
});
