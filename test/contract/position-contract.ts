// Contract: positions — a batch's nextOffset is the consumer's position after it, past transaction
// markers and aborted records, so a reader can tell it has reached a partition's end offset.
// Registered by driver-contract.ts.

import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { RecordBatch } from '../../src/kafka/index.js';
import type { RecordCollector } from '../helpers/collect.js';
import { collectRecords } from '../helpers/collect.js';
import { uniqueName } from '../helpers/unique-name.js';
import { waitFor } from '../helpers/wait-for.js';
import type { ContractContext } from './contract-fixture.js';
import { bytes, DELIVERY_TIMEOUT_MS, TEST_TIMEOUT_MS } from './contract-fixture.js';

export function positionContract(ctx: ContractContext): void {
  void it('moves a read_committed consumer past commit and abort markers to the partition\'s end offset', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = await ctx.createTopic('positions', 1);
    const admin = await ctx.admin();
    // commit() and abort() resolve once the coordinator has decided; the markers reach the partition
    // a little later, so the end offset is awaited, not read once.
    const endOffset = async (expected: bigint, what: string): Promise<bigint> => {
      let latest: bigint | undefined;
      await waitFor(async () => (latest = (await admin.offsets(topic))[0]!.latest) === expected, {
        timeoutMs: DELIVERY_TIMEOUT_MS,
        message: () => `end offset ${expected}: ${what} (is ${latest})`,
      });
      return expected;
    };
    const producer = await ctx.transactionalProducer(uniqueName('positions'));

    const committed = await producer.begin();
    await committed.send([0, 1, 2].map((i) => ({ topic, partition: 0, value: Buffer.from(`committed-${i}`) })));
    await committed.commit();
    const afterCommit = await endOffset(4n, '3 records and a commit marker');

    const reader = await collectRecords(await ctx.consumer({ groupId: uniqueName('positions-reader') }), [topic]);
    await untilPosition(reader, topic, afterCommit, 'past the commit marker');
    assert.deepEqual(reader.violations, []);
    assert.equal(reader.batches.at(-1)?.nextOffset, afterCommit, 'the last batch ends at the end offset, past the commit marker');

    const aborted = await producer.begin();
    await aborted.send([0, 1, 2].map((i) => ({ topic, partition: 0, value: Buffer.from(`aborted-${i}`) })));
    await aborted.abort();
    const afterAbort = await endOffset(8n, '3 aborted records and an abort marker more');

    await untilPosition(reader, topic, afterAbort, 'past the aborted transaction');
    const last = reader.batches.at(-1)!;
    assert.equal(last.nextOffset, afterAbort, 'the last batch ends at the end offset');
    assert.deepEqual(last.records, [], 'a fetch of only aborted records and a marker is handed over with no records');
    assert.deepEqual(reader.violations, []);
    assert.deepEqual(
      reader.records.map((r) => `${r.offset}=${bytes(r.value)}`),
      ['0=committed-0', '1=committed-1', '2=committed-2'],
      'records of the aborted transaction never appear',
    );
    assertPositionsAscend(reader.batches);
  });

  void it('ends a read from the start at the end offset when the log ends in an aborted transaction', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = await ctx.createTopic('positions-tail', 2);
    const producer = await ctx.transactionalProducer(uniqueName('positions-tail'));
    const committed = await producer.begin();
    await committed.send([0, 1].map((i) => ({ topic, partition: 0, value: Buffer.from(`committed-${i}`) })));
    await committed.commit();
    const aborted = await producer.begin();
    await aborted.send([0, 1, 2, 3].map((i) => ({ topic, partition: 0, value: Buffer.from(`aborted-${i}`) })));
    await aborted.abort();
    const admin = await ctx.admin();
    let ends: bigint[] = [];
    await waitFor(async () => {
      ends = (await admin.offsets(topic)).map((o) => o.latest);
      return ends[0] === 8n && ends[1] === 0n;
    }, {
      timeoutMs: DELIVERY_TIMEOUT_MS,
      message: () => `end offsets [8, 0]: 2 records, a commit marker, 4 aborted records and an abort marker (are [${ends.join(', ')}])`,
    });

    const reader = await collectRecords(await ctx.consumer({ groupId: uniqueName('positions-tail-reader') }), [topic]);
    await untilPosition(reader, topic, 8n, 'partition 0 read to its end');
    assert.equal(reader.batches.filter((b) => b.partition === 0).at(-1)?.nextOffset, 8n, 'the last batch of partition 0 ends at the end offset');
    assert.deepEqual(reader.batches.filter((b) => b.partition === 1), [], 'an empty partition hands over no batch');
    assert.deepEqual(reader.records.map((r) => bytes(r.value)), ['committed-0', 'committed-1'], 'records of the aborted transaction never appear');
    assert.deepEqual(reader.violations, []);
    assertPositionsAscend(reader.batches);
  });
}

/** Waits until a batch of partition 0 of `topic` has moved the position to `offset`. */
async function untilPosition(reader: RecordCollector, topic: string, offset: bigint, what: string): Promise<void> {
  await waitFor(() => {
    if (reader.crash !== undefined) throw reader.crash;
    return reader.batches.some((b) => b.topic === topic && b.partition === 0 && b.nextOffset === offset);
  }, {
    timeoutMs: DELIVERY_TIMEOUT_MS,
    message: () => `a batch with nextOffset ${offset} (${what}); batches so far: ${describeBatches(reader.batches)}`,
  });
}

function assertPositionsAscend(batches: readonly RecordBatch[]): void {
  for (const partition of new Set(batches.map((b) => b.partition))) {
    const positions = batches.filter((b) => b.partition === partition).map((b) => b.nextOffset);
    assert.deepEqual(positions, [...positions].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), `positions of partition ${partition} only move forward`);
    assert.equal(new Set(positions).size, positions.length, `no two batches of partition ${partition} end at the same position`);
  }
}

function describeBatches(batches: readonly RecordBatch[]): string {
  if (batches.length === 0) return 'none';
  return batches.map((b) => `${b.partition}:[${b.records.map((r) => r.offset).join(',')}]→${b.nextOffset}`).join(' ');
}
