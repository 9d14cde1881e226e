// Memory consumer delivery: wake-ups instead of polling, batches, pause/seek, offset reset,
// handler failures, and the lifecycle calls around run and stop.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasCode, RebalanceInProgressError } from '../../../../src/errors/index.js';
import { MAX_RECORDS_PER_BATCH } from '../../../../src/kafka/drivers/memory/fetch-positions.js';
import type { BatchContext, Consumer, ConsumerOptions, ConsumerRecord, KafkaDriver, RecordBatch } from '../../../../src/kafka/types.js';
import { waitFor } from '../../../helpers/wait-for.js';
import { buffer, deferred, memoryFixture, QUICK, SOON_MS } from './memory-fixture.js';

void describe('memory consumer delivery', () => {
  const fixture = memoryFixture();

  async function withTopic(partitions: number): Promise<KafkaDriver> {
    const { driver } = fixture.open();
    await (await driver.admin()).createTopics([{ topic: 't', partitions }]);
    return driver;
  }

  async function consume(
    driver: KafkaDriver,
    options: Pick<Partial<ConsumerOptions>, 'groupId' | 'isolation' | 'autoOffsetReset'> = {},
  ): Promise<{ records: ConsumerRecord[]; batches: RecordBatch[]; consumer: Consumer }> {
    const records: ConsumerRecord[] = [];
    const batches: RecordBatch[] = [];
    const consumer = await driver.consumer({ groupId: options.groupId ?? 'g', ...QUICK, ...options });
    await consumer.subscribe(['t']);
    await consumer.run(async (batch) => {
      batches.push(batch);
      records.push(...batch.records);
      await Promise.resolve();
    });
    return { records, batches, consumer };
  }

  void it('wakes a waiting consumer when a record is appended, long before maxWaitMs', async () => {
    const driver = await withTopic(1);
    const { records } = await consume(driver);
    const producer = await driver.producer();
    const startedAt = Date.now();
    await producer.send([{ topic: 't', value: buffer('now') }]);
    await waitFor(() => records.length === 1, { timeoutMs: SOON_MS, message: 'the record' });
    assert.ok(Date.now() - startedAt < QUICK.maxWaitMs, 'delivered without waiting out maxWaitMs');
  });

  void it('wakes a read_committed consumer when the transaction holding it back commits', async () => {
    const driver = await withTopic(1);
    const txnProducer = await driver.transactionalProducer('tx');
    const txn = await txnProducer.begin();
    await txn.send([{ topic: 't', value: buffer('pending') }]);
    await (await driver.producer()).send([{ topic: 't', value: buffer('behind the open transaction') }]);
    const { records } = await consume(driver);
    const dirty = await consume(driver, { groupId: 'dirty', isolation: 'read_uncommitted' });
    await waitFor(() => dirty.records.length === 2, { timeoutMs: SOON_MS, message: 'read_uncommitted to read both' });
    assert.equal(records.length, 0, 'read_committed stops at the last stable offset');
    await txn.commit();
    await waitFor(() => records.length === 2, { timeoutMs: SOON_MS, message: 'both records after the commit' });
  });

  void it('stops at once while waiting for data', async () => {
    const driver = await withTopic(1);
    const { consumer } = await consume(driver);
    const startedAt = Date.now();
    await consumer.stop();
    assert.ok(Date.now() - startedAt < SOON_MS, `stop took ${Date.now() - startedAt} ms`);
  });

  void it(`hands over batches of one partition with at most ${MAX_RECORDS_PER_BATCH} records`, async () => {
    const driver = await withTopic(2);
    const producer = await driver.producer();
    await producer.send(Array.from({ length: 2500 }, (_, i) => ({ topic: 't', partition: i % 2, value: buffer(`${i}`) })));
    const { records, batches } = await consume(driver);
    await waitFor(() => records.length === 2500, { timeoutMs: SOON_MS, message: 'every record' });
    assert.ok(batches.every((b) => b.records.length <= MAX_RECORDS_PER_BATCH && b.records.every((r) => r.partition === b.partition)));
    assert.ok(batches.every((b) => b.highWatermark === 1250n));
  });

  void it('applies a seek on a paused partition when it is resumed', async () => {
    const driver = await withTopic(2);
    const producer = await driver.producer();
    await producer.send([0, 1, 2].map((i) => ({ topic: 't', partition: 0, value: buffer(`p0-${i}`) })));
    const { records, consumer } = await consume(driver);
    await waitFor(() => records.length === 3, { timeoutMs: SOON_MS, message: 'partition 0' });
    consumer.pause([{ topic: 't', partition: 0 }]);
    consumer.seek({ topic: 't', partition: 0, offset: 1n });
    await producer.send([{ topic: 't', partition: 1, value: buffer('barrier') }]);
    await waitFor(() => records.some((r) => r.partition === 1), { timeoutMs: SOON_MS, message: 'the barrier on partition 1' });
    assert.equal(records.filter((r) => r.partition === 0).length, 3, 'nothing redelivered while paused');
    consumer.resume([{ topic: 't', partition: 0 }]);
    await waitFor(() => records.filter((r) => r.partition === 0).length === 5, { timeoutMs: SOON_MS, message: 'the redelivery' });
    assert.deepEqual(records.filter((r) => r.partition === 0).map((r) => r.offset), [0n, 1n, 2n, 1n, 2n]);
  });

  void it('hands over a fetch of only markers and aborted records as a batch with no records and the position past them', async () => {
    const driver = await withTopic(1);
    const txnProducer = await driver.transactionalProducer('tx');
    const committed = await txnProducer.begin();
    await committed.send([{ topic: 't', value: buffer('kept') }]);
    await committed.commit();
    const { batches } = await consume(driver);
    await waitFor(() => batches.length === 1, { timeoutMs: SOON_MS, message: 'the committed record' });
    assert.equal(batches[0]?.nextOffset, 2n, 'past the commit marker at offset 1');
    const aborted = await txnProducer.begin();
    await aborted.send([{ topic: 't', value: buffer('dropped-0') }, { topic: 't', value: buffer('dropped-1') }]);
    await aborted.abort();
    await waitFor(() => batches.length === 2, { timeoutMs: SOON_MS, message: 'the record-less batch' });
    assert.deepEqual(batches.map((b) => [b.records.length, b.nextOffset]), [[1, 2n], [0, 5n]]);
  });

  void it('reports a batch as stale once its partition is seeked while the handler has it, and does not advance past it', async () => {
    const driver = await withTopic(1);
    await (await driver.producer()).send([0, 1, 2].map((i) => ({ topic: 't', value: buffer(`v${i}`) })));
    const inHandler = deferred<BatchContext>();
    const release = deferred();
    const offsets: bigint[] = [];
    const consumer = await driver.consumer({ groupId: 'g', ...QUICK });
    await consumer.subscribe(['t']);
    await consumer.run(async (batch, context) => {
      offsets.push(...batch.records.map((r) => r.offset));
      if (offsets.length === 3) {
        inHandler.resolve(context);
        await release.promise;
      }
    });
    const context = await inHandler.promise;
    assert.equal(context.isRunning(), true);
    consumer.seek({ topic: 't', partition: 0, offset: 1n });
    assert.equal(context.isRunning(), false, 'stale after the seek');
    release.resolve();
    await waitFor(() => offsets.length === 5, { timeoutMs: SOON_MS, message: 'the redelivery from the seek' });
    assert.deepEqual(offsets, [0n, 1n, 2n, 1n, 2n]);
  });

  void it('starts at the end of the partition under autoOffsetReset latest', async () => {
    const driver = await withTopic(1);
    const producer = await driver.producer();
    await producer.send([{ topic: 't', value: buffer('old') }]);
    const { records } = await consume(driver, { autoOffsetReset: 'latest' });
    await producer.send([{ topic: 't', value: buffer('new') }]);
    await waitFor(() => records.length === 1, { timeoutMs: SOON_MS, message: 'the new record' });
    assert.equal(records[0]?.value?.toString(), 'new');
  });

  void it('starts a read_committed consumer under latest at the last stable offset, so an open transaction is not skipped', async () => {
    const driver = await withTopic(1);
    const txn = await (await driver.transactionalProducer('tx')).begin();
    await txn.send([{ topic: 't', value: buffer('pending') }]);
    const { records } = await consume(driver, { autoOffsetReset: 'latest' });
    await txn.commit();
    await waitFor(() => records.length === 1, { timeoutMs: SOON_MS, message: 'the committed record' });
    assert.equal(records[0]?.value?.toString(), 'pending');
  });

  void it('stops within rebalanceTimeoutMs when its handler is stuck, leaving the group', async () => {
    const driver = await withTopic(1);
    await (await driver.producer()).send([{ topic: 't', value: buffer('stuck') }]);
    const release = deferred();
    const inHandler = deferred();
    const consumer = await driver.consumer({ groupId: 'g', ...QUICK, rebalanceTimeoutMs: 100 });
    await consumer.subscribe(['t']);
    await consumer.run(async () => {
      inHandler.resolve();
      await release.promise;
    });
    await inHandler.promise;
    await consumer.stop();
    assert.deepEqual((await consumer.groupAssignment()).members, []);
    await assert.rejects(consumer.commit([{ topic: 't', partition: 0, offset: 1n }]), (err) => hasCode(err, 'STREAMD_REBALANCE_IN_PROGRESS'));
    release.resolve();
  });

  void it('crashes when the handler rejects: emits crashed, leaves the group, refuses commits', async () => {
    const driver = await withTopic(1);
    await (await driver.producer()).send([{ topic: 't', value: buffer('poison') }]);
    const consumer = await driver.consumer({ groupId: 'g', ...QUICK });
    const crashes: Error[] = [];
    consumer.on('crashed', (err) => crashes.push(err));
    await consumer.subscribe(['t']);
    await consumer.run(() => Promise.reject(new Error('handler bug')));
    await waitFor(() => crashes.length === 1, { timeoutMs: SOON_MS, message: 'the crash' });
    assert.equal(crashes[0]?.message, 'handler bug');
    assert.deepEqual((await consumer.groupAssignment()).members, [], 'the crashed member left the group');
    await assert.rejects(consumer.commit([{ topic: 't', partition: 0, offset: 1n }]), (err) => hasCode(err, 'STREAMD_REBALANCE_IN_PROGRESS'));
    await consumer.stop();
  });

  void it('drops the batch and redelivers it when the handler rejects with STREAMD_REBALANCE_IN_PROGRESS', async () => {
    const driver = await withTopic(1);
    await (await driver.producer()).send([{ topic: 't', value: buffer('once more') }]);
    const consumer = await driver.consumer({ groupId: 'g', ...QUICK });
    const crashes: Error[] = [];
    const offsets: bigint[] = [];
    consumer.on('crashed', (err) => crashes.push(err));
    await consumer.subscribe(['t']);
    await consumer.run(async (batch) => {
      offsets.push(...batch.records.map((r) => r.offset));
      await Promise.resolve();
      if (offsets.length === 1) throw new RebalanceInProgressError('heartbeat said so');
    });
    await waitFor(() => offsets.length === 2, { timeoutMs: SOON_MS, message: 'the redelivery' });
    assert.deepEqual(offsets, [0n, 0n]);
    assert.deepEqual(crashes, []);
  });

  void it('refuses commit before run and subscribing to an unknown topic; stop is idempotent', async () => {
    const driver = await withTopic(1);
    const consumer = await driver.consumer({ groupId: 'g', ...QUICK });
    await assert.rejects(consumer.subscribe(['missing']), (err) => hasCode(err, 'STREAMD_UNKNOWN_TOPIC'));
    await assert.rejects(consumer.commit([{ topic: 't', partition: 0, offset: 0n }]), (err) => hasCode(err, 'STREAMD_ILLEGAL_STATE'));
    await assert.rejects(consumer.run(() => Promise.resolve()), (err) => hasCode(err, 'STREAMD_ILLEGAL_STATE'), 'run before subscribe');
    const stopping = consumer.stop();
    assert.equal(consumer.stop(), stopping, 'a concurrent stop shares the promise');
    await stopping;
    await assert.rejects(consumer.run(() => Promise.resolve()), (err) => hasCode(err, 'STREAMD_ILLEGAL_STATE'), 'run after stop');
  });
});
