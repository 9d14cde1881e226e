// read_committed over kafkajs: the aborted-record filter that replaces kafkajs 2.2.4's (which started
// at most one aborted transaction per record, in the broker's order, and so delivered aborted
// records as committed), and its installation in kafkajs's Batch.

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { filterAbortedMessages, type AbortedTransaction, type RawMessage } from '../../../../src/kafka/drivers/kafkajs/read-committed.js';

interface Message extends RawMessage {
  readonly value: string;
}

const record = (offset: number, producerId: string, value: string, inTransaction = true): Message => ({ offset: String(offset), key: Buffer.from('k'), value, isControlRecord: false, batchContext: { producerId, inTransaction } });
/** A transaction marker: key version 0, type 0 (abort) or 1 (commit). */
const marker = (offset: number, producerId: string, type: 0 | 1): Message => {
  const key = Buffer.alloc(4);
  key.writeInt16BE(type, 2);
  return { offset: String(offset), key, value: type === 0 ? 'ABORT' : 'COMMIT', isControlRecord: true, batchContext: { producerId, inTransaction: true } };
};
const values = (messages: readonly Message[]): string[] => messages.filter((m) => m.isControlRecord !== true).map((m) => m.value);

describe('read_committed filter for kafkajs', () => {
  // A fetch that starts inside two aborted transactions (producers 1 and 2), the broker listing them
  // in the order of their abort markers; producer 3 commits in between. kafkajs 2.2.4 delivered
  // `a1` here: at offset 12 it started only producer 2's transaction, the first of the list.
  const aborted: AbortedTransaction[] = [
    { producerId: '2', firstOffset: '10' },
    { producerId: '1', firstOffset: '5' },
  ];
  const fetched: Message[] = [
    record(12, '1', 'a1'),
    record(13, '2', 'a2'),
    record(14, '3', 'c1'),
    record(15, '1', 'a1b'),
    marker(16, '3', 1),
    marker(17, '1', 0),
    record(18, '1', 'c2'),
    marker(19, '2', 0),
    record(20, '2', 'c3'),
  ];

  it('drops every record of an aborted transaction that began before the fetch, whatever the order of the list', () => {
    assert.deepEqual(values(filterAbortedMessages({ messages: fetched, abortedTransactions: aborted })), ['c1', 'c2', 'c3']);
  });

  it('ends an aborted transaction at its abort marker only: a record keyed like a marker is data', () => {
    const messages = [record(5, '1', 'a1'), { ...record(6, '1', 'a2'), key: Buffer.alloc(4) }, record(7, '1', 'a3'), marker(8, '1', 0), record(9, '1', 'c1')];
    assert.deepEqual(values(filterAbortedMessages({ messages, abortedTransactions: [{ producerId: '1', firstOffset: '5' }] })), ['c1']);
  });

  it('keeps records outside transactions, and everything when nothing was aborted', () => {
    const messages = [record(5, '1', 'a1'), record(6, '1', 'plain', false), marker(7, '1', 0)];
    assert.deepEqual(values(filterAbortedMessages({ messages, abortedTransactions: [{ producerId: '1', firstOffset: '5' }] })), ['plain']);
    assert.deepEqual(values(filterAbortedMessages({ messages: fetched, abortedTransactions: [] })), ['a1', 'a2', 'c1', 'a1b', 'c2', 'c3']);
  });

  it('is the filter kafkajs batches use once the driver is loaded', async () => {
    await import('../../../../src/kafka/drivers/kafkajs/index.js');
    const require = createRequire(import.meta.url);
    const Batch = require('kafkajs/src/consumer/batch.js') as new (topic: string, fetchedOffset: string, data: object) => { messages: Message[] };
    const batch = new Batch('t', '12', { partition: 0, highWatermark: '21', abortedTransactions: aborted, messages: fetched });
    assert.deepEqual(values(batch.messages), ['c1', 'c2', 'c3']);
  });
});
