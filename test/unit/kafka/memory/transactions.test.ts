// Memory transactions: epoch fencing of every call, markers and the last stable offset seen through
// admin, offsets committed only with the transaction, timeouts, and close aborting.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasCode } from '../../../../src/errors/index.js';
import type { Admin, KafkaDriver } from '../../../../src/kafka/types.js';
import { waitFor } from '../../../helpers/wait-for.js';
import { buffer, memoryFixture } from './memory-fixture.js';

const isFenced = (err: unknown): boolean => hasCode(err, 'STREAMD_FENCED');
const isIllegalState = (err: unknown): boolean => hasCode(err, 'STREAMD_ILLEGAL_STATE');

void describe('memory transactions', () => {
  const fixture = memoryFixture();

  async function setUp(partitions = 1): Promise<{ driver: KafkaDriver; admin: Admin }> {
    const { driver } = fixture.open();
    const admin = await driver.admin();
    await admin.createTopics([{ topic: 'out', partitions }, { topic: 'in', partitions: 1 }]);
    return { driver, admin };
  }

  void it('rejects begin, send, sendOffsets, commit and abort of a fenced producer with STREAMD_FENCED', async () => {
    const { driver } = await setUp();
    const first = await driver.transactionalProducer('tx');
    const open = await first.begin();
    await driver.transactionalProducer('tx');
    await assert.rejects(open.send([{ topic: 'out', value: buffer('x') }]), isFenced);
    await assert.rejects(open.sendOffsets('g', [{ topic: 'in', partition: 0, offset: 1n }]), isFenced);
    await assert.rejects(open.commit(), isFenced);
    await assert.rejects(open.abort(), isFenced);
    await assert.rejects(first.begin(), isFenced);
  });

  void it('aborts the fenced producer\'s open transaction with a marker, which moves the log end', async () => {
    const { driver, admin } = await setUp();
    const first = await driver.transactionalProducer('tx');
    const open = await first.begin();
    await open.send([{ topic: 'out', value: buffer('a') }, { topic: 'out', value: buffer('b') }]);
    assert.deepEqual((await admin.offsets('out')).map((o) => o.latest), [2n]);
    await driver.transactionalProducer('tx');
    assert.deepEqual((await admin.offsets('out')).map((o) => o.latest), [3n], 'two records and the abort marker');
  });

  void it('commits sendOffsets only when the transaction commits', async () => {
    const { driver, admin } = await setUp();
    const producer = await driver.transactionalProducer('tx');
    const aborted = await producer.begin();
    await aborted.sendOffsets('g', [{ topic: 'in', partition: 0, offset: 5n }]);
    await aborted.abort();
    assert.deepEqual((await admin.committedOffsets('g', ['in'])).map((o) => o.offset), [-1n]);

    const committed = await producer.begin();
    await committed.sendOffsets('g', [{ topic: 'in', partition: 0, offset: 7n }]);
    await committed.sendOffsets('g', [{ topic: 'in', partition: 0, offset: 9n }]);
    assert.deepEqual((await admin.committedOffsets('g', ['in'])).map((o) => o.offset), [-1n], 'nothing before the commit');
    await committed.commit();
    assert.deepEqual((await admin.committedOffsets('g', ['in'])).map((o) => o.offset), [9n], 'the last offset sent wins');
  });

  void it('allows one open transaction per producer and refuses a transaction that has ended', async () => {
    const { driver } = await setUp();
    const producer = await driver.transactionalProducer('tx');
    const txn = await producer.begin();
    await assert.rejects(producer.begin(), isIllegalState);
    await txn.commit();
    await assert.rejects(txn.send([{ topic: 'out', value: buffer('late') }]), isIllegalState);
    await assert.rejects(txn.commit(), isIllegalState);
  });

  void it('rejects a send to an unknown topic without appending any record of it', async () => {
    const { driver, admin } = await setUp();
    const producer = await driver.transactionalProducer('tx');
    const txn = await producer.begin();
    await assert.rejects(
      txn.send([{ topic: 'out', value: buffer('ok') }, { topic: 'nope', value: buffer('bad') }]),
      (err) => hasCode(err, 'STREAMD_UNKNOWN_TOPIC'),
    );
    assert.deepEqual((await admin.offsets('out')).map((o) => o.latest), [0n]);
    await txn.abort();
  });

  void it('aborts a transaction open past its timeout and fences its producer', async () => {
    const { driver, admin } = await setUp();
    const producer = await driver.transactionalProducer('tx', { transactionTimeoutMs: 30 });
    const txn = await producer.begin();
    await txn.send([{ topic: 'out', value: buffer('slow') }]);
    await waitFor(async () => (await admin.offsets('out'))[0]?.latest === 2n, { timeoutMs: 2_000, message: 'the abort marker' });
    await assert.rejects(txn.commit(), isFenced);
  });

  void it('aborts its open transaction on close', async () => {
    const { driver, admin } = await setUp();
    const producer = await driver.transactionalProducer('tx');
    const txn = await producer.begin();
    await txn.send([{ topic: 'out', value: buffer('left open') }]);
    await producer.close();
    await producer.close();
    assert.deepEqual((await admin.offsets('out')).map((o) => o.latest), [2n], 'the record and an abort marker');
    await assert.rejects(producer.begin(), isIllegalState);
  });
});
