// What a ChangelogReader and catchUp promise on any driver: registered by the unit tests on the
// memory driver and by the integration test on the real broker.

import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { RecordBatch, TopicPartition } from '../../../src/kafka/index.js';
import { catchUp, topicPartitionKey } from '../../../src/tables/index.js';
import { uniqueName } from '../../helpers/unique-name.js';
import { waitFor } from '../../helpers/wait-for.js';
import { BatchRecorder, expectedValues, records, untilPosition, type ReaderFixture } from './reader-fixture.js';

/** Options of `catchUp` for these tests: a stall deadline far beyond the delivery deadline. */
function catchUpOptions(fx: ReaderFixture): { stallTimeoutMs: number; signal: AbortSignal } {
  return { stallTimeoutMs: fx.deliveryTimeoutMs * 3, signal: fx.signal };
}

export function readerBehaviour(fx: ReaderFixture, options: { readonly timeoutMs: number }): void {
  const { timeoutMs } = options;

  void it('delivers a followed partition from the given offset, and nothing of the partitions it does not follow', { timeout: timeoutMs }, async () => {
    const topic = await fx.createTopic('follow', 3);
    await fx.produce([0, 1, 2].flatMap((p) => records(topic, p, 10)));
    const reader = fx.reader([topic]);
    await reader.start();
    const p0: TopicPartition = { topic, partition: 0 };
    const p2: TopicPartition = { topic, partition: 2 };
    const from4 = new BatchRecorder();
    const from0 = new BatchRecorder();
    reader.follow(p0, 4n, from4.handler);
    reader.follow(p2, 0n, from0.handler);
    await untilPosition(reader, p0, 10n, fx.deliveryTimeoutMs);
    await untilPosition(reader, p2, 10n, fx.deliveryTimeoutMs);

    assert.deepEqual(from4.values, expectedValues(0, 4, 10), 'partition 0 from offset 4');
    assert.ok(from4.batches[0]!.records[0]!.offset >= 4n, 'the first batch starts at the offset followed from');
    assert.deepEqual(from0.values, expectedValues(2, 0, 10), 'partition 2 from the start');
    assert.deepEqual([...new Set([...from4.batches, ...from0.batches].map((b) => b.partition))].sort(), [0, 2], 'no batch of partition 1');
    assert.equal(reader.position({ topic, partition: 1 }), undefined, 'an unfollowed partition has no position');
  });

  void it('follows partitions asked for before the reader started and while it joins, from the offsets asked', { timeout: timeoutMs }, async () => {
    const topic = await fx.createTopic('early', 3);
    await fx.produce([...records(topic, 0, 10), ...records(topic, 1, 10), ...records(topic, 2, 3)]);
    const reader = fx.reader([topic]);
    const beforeStart = new BatchRecorder();
    const whileStarting = new BatchRecorder();
    const p0: TopicPartition = { topic, partition: 0 };
    const p1: TopicPartition = { topic, partition: 1 };
    reader.follow(p0, 6n, beforeStart.handler);
    assert.equal(reader.position(p0), 6n);
    const starting = reader.start();
    reader.follow(p1, 8n, whileStarting.handler);
    await starting;
    await untilPosition(reader, p0, 10n, fx.deliveryTimeoutMs);
    await untilPosition(reader, p1, 10n, fx.deliveryTimeoutMs);
    assert.deepEqual(beforeStart.values, expectedValues(0, 6, 10), 'the seek waited for the assignment');
    assert.deepEqual(whileStarting.values, expectedValues(1, 8, 10), 'a follow during the join is applied once assigned');
  });

  void it('stops delivering at unfollow, even the batch in flight, and delivers again from an earlier offset when followed again', { timeout: timeoutMs }, async () => {
    const topic = await fx.createTopic('unfollow', 1);
    const tp: TopicPartition = { topic, partition: 0 };
    await fx.produce(records(topic, 0, 10));
    const reader = fx.reader([topic]);
    await reader.start();
    const first = new BatchRecorder();
    let release: () => void = () => undefined;
    first.hold(new Promise((resolve) => (release = resolve)));
    reader.follow(tp, 0n, first.handler);
    await first.untilBatches(1, fx.deliveryTimeoutMs);
    reader.unfollow(tp);
    assert.equal(reader.position(tp), undefined, 'no position once unfollowed');
    release();
    await fx.produce(records(topic, 0, 15).slice(10));

    const second = new BatchRecorder();
    reader.follow(tp, 3n, second.handler);
    await untilPosition(reader, tp, 15n, fx.deliveryTimeoutMs);
    assert.equal(first.batches.length, 1, 'the old handler got nothing after unfollow');
    assert.deepEqual(second.values, expectedValues(0, 3, 15), 'each record from offset 3 once, in order');
  });

  void it('replaces a follow: a batch in flight for the old handler is dropped and the new one reads from its own offset', { timeout: timeoutMs }, async () => {
    const topic = await fx.createTopic('refollow', 1);
    const tp: TopicPartition = { topic, partition: 0 };
    await fx.produce(records(topic, 0, 8));
    const reader = fx.reader([topic]);
    await reader.start();
    const old = new BatchRecorder();
    let release: () => void = () => undefined;
    old.hold(new Promise((resolve) => (release = resolve)));
    reader.follow(tp, 5n, old.handler);
    await old.untilBatches(1, fx.deliveryTimeoutMs);
    const fresh = new BatchRecorder();
    reader.follow(tp, 1n, fresh.handler);
    release();
    await untilPosition(reader, tp, 8n, fx.deliveryTimeoutMs);
    assert.deepEqual(old.values, expectedValues(0, 5, 8), 'the old handler saw only its first batch');
    assert.equal(old.batches.length, 1);
    assert.deepEqual(fresh.values, expectedValues(0, 1, 8), 'the new handler reads from offset 1, each record once');
  });

  void it('keeps each followed partition at its position across a rebalance of its group', { timeout: timeoutMs }, async () => {
    const topic = await fx.createTopic('rebalance', 2);
    const tp: TopicPartition = { topic, partition: 0 };
    await fx.produce(records(topic, 0, 10));
    const groupId = uniqueName('changelog-reader');
    const reader = fx.reader([topic], { groupId });
    await reader.start();
    const applied = new BatchRecorder();
    reader.follow(tp, 5n, applied.handler);
    await untilPosition(reader, tp, 10n, fx.deliveryTimeoutMs);

    // A second member (there never is one in production) forces two rebalances: when it joins and
    // when it leaves. Nothing is committed, so only the reader's own seeks keep its position.
    const intruder = await fx.consumer({ groupId, heartbeatIntervalMs: 500, sessionTimeoutMs: 6_000 });
    let intruderPartitions = 0;
    intruder.on('assigned', ({ partitions }) => (intruderPartitions = partitions.length));
    await intruder.subscribe([topic]);
    await intruder.run(() => Promise.resolve());
    await waitFor(() => intruderPartitions > 0, { timeoutMs: fx.deliveryTimeoutMs, message: 'the second member to get a partition' });
    await intruder.stop();
    await fx.produce(records(topic, 0, 14).slice(10));
    await untilPosition(reader, tp, 14n, fx.deliveryTimeoutMs);
    assert.deepEqual(applied.values, expectedValues(0, 5, 14), 'each record from offset 5 once, in order');
  });

  void it('catches up across a tail of transaction markers and aborted records, and at once on an empty partition', { timeout: timeoutMs }, async () => {
    const topic = await fx.createTopic('markers', 2);
    const producer = await fx.transactionalProducer();
    const committed = await producer.begin();
    await committed.send(records(topic, 0, 5, 'kept'));
    await committed.commit();
    const aborted = await producer.begin();
    await aborted.send(records(topic, 0, 3, 'dropped'));
    await aborted.abort();
    const reader = fx.reader([topic]);
    await reader.start();
    const p0: TopicPartition = { topic, partition: 0 };
    const p1: TopicPartition = { topic, partition: 1 };
    // abort() resolves once the coordinator has decided; the markers land a little later.
    let ends = new Map<string, bigint>();
    await waitFor(async () => (ends = await reader.endOffsets([p0, p1])).get(topicPartitionKey(p0)) === 10n, {
      timeoutMs: fx.deliveryTimeoutMs,
      message: () => `end offset 10 of partition 0 (is ${ends.get(topicPartitionKey(p0))})`,
    });
    assert.deepEqual([...ends], [[topicPartitionKey(p0), 10n], [topicPartitionKey(p1), 0n]], '5 records, a commit marker, 3 aborted records, an abort marker');

    const applied = new BatchRecorder();
    const result = await catchUp(reader, p0, 0n, ends.get(topicPartitionKey(p0))!, applied.handler, catchUpOptions(fx));
    assert.deepEqual(result, { records: 5, position: 10n });
    assert.deepEqual(applied.values, expectedValues(0, 0, 5, 'kept'), 'only the committed records');
    assert.equal(reader.position(p0), undefined, 'unfollowed after the catch-up');

    const empty = new BatchRecorder();
    assert.deepEqual(await catchUp(reader, p1, 0n, 0n, empty.handler, catchUpOptions(fx)), { records: 0, position: 0n });
    assert.deepEqual(empty.batches, []);

    const tailOnly = new BatchRecorder();
    const fromMarker = await catchUp(reader, p0, 5n, 10n, tailOnly.handler, catchUpOptions(fx));
    assert.deepEqual(fromMarker, { records: 0, position: 10n }, 'from the commit marker: nothing but markers and aborted records');
    assert.ok(tailOnly.batches.every((b) => b.records.length === 0), 'record-less batches only');
  });

  void it('keeps following after the catch-up when asked, through the same apply', { timeout: timeoutMs }, async () => {
    const topic = await fx.createTopic('standby', 1);
    const tp: TopicPartition = { topic, partition: 0 };
    await fx.produce(records(topic, 0, 4));
    const reader = fx.reader([topic]);
    await reader.start();
    const applied = new BatchRecorder();
    const result = await catchUp(reader, tp, 0n, 4n, applied.handler, { ...catchUpOptions(fx), keepFollowing: true });
    assert.deepEqual(result, { records: 4, position: 4n });
    assert.equal(reader.position(tp), 4n, 'the reader has recorded the last batch when the catch-up resolves');
    await fx.produce(records(topic, 0, 7).slice(4));
    await untilPosition(reader, tp, 7n, fx.deliveryTimeoutMs);
    assert.deepEqual(applied.values, expectedValues(0, 0, 7));
  });

  void it('reads 4 partitions × 10000 records back exactly, each in order', { timeout: timeoutMs * 2 }, async () => {
    const topic = await fx.createTopic('bulk', 4);
    const perPartition = 10_000;
    for (let start = 0; start < perPartition; start += 2_500) {
      await fx.produce([0, 1, 2, 3].flatMap((p) => records(topic, p, start + 2_500).slice(start)));
    }
    const reader = fx.reader([topic]);
    await reader.start();
    const partitions = [0, 1, 2, 3].map((partition): TopicPartition => ({ topic, partition }));
    const ends = await reader.endOffsets(partitions);
    const recorders = partitions.map(() => new BatchRecorder());
    const results = await Promise.all(partitions.map((tp, i) =>
      catchUp(reader, tp, 0n, ends.get(topicPartitionKey(tp))!, recorders[i]!.handler, catchUpOptions(fx))));
    assert.deepEqual(results, partitions.map(() => ({ records: perPartition, position: BigInt(perPartition) })));
    for (const [i, recorder] of recorders.entries()) {
      assert.ok(recorder.batches.every((b: RecordBatch) => b.partition === i), `only partition ${i}'s batches reach its handler`);
      assert.deepEqual(recorder.values, expectedValues(i, 0, perPartition), `partition ${i}: every record once, in order`);
    }
  });

  void it('applies one partition while another is held in its apply, and the held one goes on in order, one batch at a time', { timeout: timeoutMs }, async () => {
    const topic = await fx.createTopic('overlap', 2);
    await fx.produce(records(topic, 0, 5));
    const reader = fx.reader([topic]);
    await reader.start();
    const p0: TopicPartition = { topic, partition: 0 };
    const p1: TopicPartition = { topic, partition: 1 };
    const held = new BatchRecorder();
    let release: () => void = () => undefined;
    held.hold(new Promise((resolve) => (release = resolve)));
    let applying = 0;
    let mostAtOnce = 0;
    const counting = async (batch: RecordBatch): Promise<void> => {
      mostAtOnce = Math.max(mostAtOnce, ++applying);
      try {
        await held.handler(batch);
      } finally {
        applying -= 1;
      }
    };
    reader.follow(p0, 0n, counting);
    await held.untilBatches(1, fx.deliveryTimeoutMs);
    // While partition 0's first batch is in its apply (and none of it waits behind: a second one
    // would hold up the consumer's deliveries until the first is applied).
    await fx.produce(records(topic, 1, 6));
    const other = new BatchRecorder();
    reader.follow(p1, 0n, other.handler);
    await untilPosition(reader, p1, 6n, fx.deliveryTimeoutMs);
    assert.deepEqual(other.values, expectedValues(1, 0, 6), 'partition 1 applied while partition 0 is held');
    assert.equal(held.batches.length, 1, 'partition 0 is still in its first apply');
    await fx.produce(records(topic, 0, 9).slice(5));
    release();
    await untilPosition(reader, p0, 9n, fx.deliveryTimeoutMs);
    assert.deepEqual(held.values, expectedValues(0, 0, 9), 'partition 0: every record once, in order');
    assert.equal(mostAtOnce, 1, 'one apply of a partition at a time');
  });

  void it('crashes, naming the partition, when a handler rejects', { timeout: timeoutMs }, async () => {
    const topic = await fx.createTopic('crash', 2);
    await fx.produce(records(topic, 1, 3));
    const reader = fx.reader([topic]);
    await reader.start();
    reader.follow({ topic, partition: 1 }, 0n, () => Promise.reject(new Error('disk full')));
    const exit = await reader.whenStopped();
    assert.equal(exit.state, 'crashed');
    const error = exit.state === 'crashed' ? (exit.error as Error) : undefined;
    assert.match(error?.message ?? '', new RegExp(`${topic}\\[1\\].*disk full`), 'the error names the partition and the cause');
    await waitFor(() => reader.state === 'crashed', { timeoutMs: fx.deliveryTimeoutMs, message: 'the reader to end crashed' });
  });
}
