// The Batch that replaces kafkajs 2.2.4's (fetched-batch.ts): records before the fetched offset are
// dropped by comparing offsets as decimal text instead of a Long per record; what it keeps, and
// what kafkajs's own methods answer on it, must be what kafkajs's Batch gave.

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { isOffsetAtOrPast } from '../../../../src/kafka/drivers/kafkajs/fetched-batch.js';
import '../../../../src/kafka/drivers/kafkajs/index.js';

interface Message {
  readonly offset: string;
  readonly value: string;
  readonly isControlRecord: boolean;
  readonly batchContext: { readonly producerId: string; readonly inTransaction: boolean };
}

interface KafkajsBatch {
  readonly topic: string;
  readonly partition: number;
  readonly fetchedOffset: unknown;
  readonly messages: Message[];
  readonly messagesWithinOffset: Message[];
  isEmpty(): boolean;
  isEmptyDueToFiltering(): boolean;
  firstOffset(): string | null;
  lastOffset(): string;
  offsetLag(): string;
}

const require = createRequire(import.meta.url);
const Batch = require('kafkajs/src/consumer/batch.js') as new (topic: string, fetchedOffset: unknown, data: object) => KafkajsBatch;
const message = (offset: string, isControlRecord = false): Message => ({ offset, value: `v${offset}`, isControlRecord, batchContext: { producerId: '-1', inTransaction: false } });

describe("kafkajs's Batch without a Long per record", () => {
  it('compares offsets as BigInt does, across digit counts and past 2^53', () => {
    const offsets = ['0', '1', '9', '10', '99', '100', '999', '1000', '12345', '9007199254740991', '9007199254740993', '10000000000000000000', '007', '-1'];
    for (const a of offsets) {
      for (const b of offsets) assert.equal(isOffsetAtOrPast(a, b), BigInt(a) >= BigInt(b), `${a} >= ${b}`);
    }
  });

  it('is the Batch kafkajs builds fetched records into once the driver is loaded, and keeps what kafkajs kept', () => {
    // A fetch answered from a record batch that began before the fetched offset (as compressed or
    // compacted batches do), across the 999 → 1000 digit boundary, with a control record.
    const fetched = ['996', '997', '998', '999', '1000', '1001', '1002'].map((o) => message(o, o === '1001'));
    for (const fetchedOffset of ['998', 998, '1000']) {
      const batch = new Batch('t', fetchedOffset, { partition: 3, highWatermark: '1010', messages: fetched });
      assert.ok(batch instanceof Batch);
      const from = Number(fetchedOffset);
      const within = fetched.filter((m) => Number(m.offset) >= from);
      assert.deepEqual(batch.messagesWithinOffset, within, `fetched from ${fetchedOffset}`);
      assert.deepEqual(batch.messages.map((m) => m.offset), within.filter((m) => !m.isControlRecord).map((m) => m.offset));
      assert.equal(batch.topic, 't');
      assert.equal(batch.partition, 3);
      assert.equal(batch.fetchedOffset, fetchedOffset);
      assert.equal(batch.firstOffset(), within[0]!.offset);
      assert.equal(batch.lastOffset(), '1002');
      assert.equal(batch.offsetLag(), '7');
      assert.equal(batch.isEmpty(), false);
    }
  });

  it('answers an empty fetch and one whose records all precede the fetched offset as kafkajs did', () => {
    const empty = new Batch('t', '50', { partition: 0, highWatermark: '50', messages: [] });
    assert.equal(empty.isEmpty(), true);
    assert.equal(empty.lastOffset(), '49');
    const compacted = new Batch('t', '50', { partition: 0, highWatermark: '60', messages: [message('48'), message('49')] });
    assert.deepEqual(compacted.messagesWithinOffset, []);
    assert.equal(compacted.isEmptyDueToFiltering(), true);
    assert.equal(compacted.lastOffset(), '50');
  });
});
