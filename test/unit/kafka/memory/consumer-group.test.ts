// Memory consumer groups end to end: eager rebalances as members see them, commits while a rebalance
// waits, the stuck member that the rebalance deadline removes, and subscription changes.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasCode } from '../../../../src/errors/index.js';
import type { AssignedEvent, BatchContext, Consumer, ConsumerRecord, KafkaDriver } from '../../../../src/kafka/types.js';
import { waitFor } from '../../../helpers/wait-for.js';
import { buffer, deferred, memoryFixture, QUICK, SOON_MS } from './memory-fixture.js';

const isRebalancing = (err: unknown): boolean => hasCode(err, 'STREAMD_REBALANCE_IN_PROGRESS');

interface Member {
  readonly consumer: Consumer;
  readonly records: ConsumerRecord[];
  readonly events: string[];
  readonly assigned: AssignedEvent[];
}

void describe('memory consumer groups', () => {
  const fixture = memoryFixture();

  async function withTopics(topics: Record<string, number>): Promise<KafkaDriver> {
    const { driver } = fixture.open();
    await (await driver.admin()).createTopics(Object.entries(topics).map(([topic, partitions]) => ({ topic, partitions })));
    return driver;
  }

  async function member(
    driver: KafkaDriver,
    topics: string[],
    handler: (records: readonly ConsumerRecord[], context: BatchContext) => Promise<void> = () => Promise.resolve(),
    rebalanceTimeoutMs: number = QUICK.rebalanceTimeoutMs,
  ): Promise<Member> {
    const consumer = await driver.consumer({ groupId: 'g', ...QUICK, rebalanceTimeoutMs });
    const result: Member = { consumer, records: [], events: [], assigned: [] };
    consumer.on('assigned', (event) => {
      result.events.push('assigned');
      result.assigned.push(event);
    });
    consumer.on('rebalancing', () => result.events.push('rebalancing'));
    await consumer.subscribe(topics);
    await consumer.run(async (batch, context) => {
      result.records.push(...batch.records);
      await handler(batch.records, context);
    });
    return result;
  }

  void it('revokes, then assigns a new generation, and restarts from the committed offsets', async () => {
    const driver = await withTopics({ t: 2 });
    const producer = await driver.producer();
    await producer.send([0, 1, 2, 3].map((i) => ({ topic: 't', partition: 0, value: buffer(`${i}`) })));
    const first = await member(driver, ['t']);
    await waitFor(() => first.records.length === 4, { timeoutMs: SOON_MS, message: 'the first member to read partition 0' });
    await first.consumer.commit([{ topic: 't', partition: 0, offset: 2n }]);

    const second = await member(driver, ['t']);
    await waitFor(() => first.assigned.length === 2, { timeoutMs: SOON_MS, message: 'the first member\'s second assignment' });
    assert.deepEqual(first.events, ['assigned', 'rebalancing', 'assigned']);
    assert.deepEqual(second.events, ['assigned'], 'a new member has nothing to revoke');
    assert.equal(first.assigned[1]?.isLeader, true, 'the first member to join leads');
    assert.equal(second.assigned[0]?.isLeader, false);

    const owner = [first, second].find((m) => m.consumer.assignment().some((p) => p.partition === 0))!;
    const before = owner === first ? 4 : 0;
    await waitFor(() => owner.records.length === before + 2, { timeoutMs: SOON_MS, message: 'redelivery from the committed offset' });
    assert.deepEqual(owner.records.slice(before).map((r) => r.offset), [2n, 3n]);
  });

  void it('lets a member commit from its handler while the rebalance waits for that handler', async () => {
    const driver = await withTopics({ t: 1 });
    await (await driver.producer()).send([{ topic: 't', value: buffer('in flight') }]);
    const gate = deferred();
    const inHandler = deferred<BatchContext>();
    const first = await member(driver, ['t'], async (_records, context) => {
      inHandler.resolve(context);
      await gate.promise;
    });
    const context = await inHandler.promise;
    assert.equal(context.isRunning(), true);
    await context.heartbeat();

    const joining = member(driver, ['t']);
    await waitFor(() => context.heartbeat().then(() => false, (err: unknown) => isRebalancing(err)), {
      timeoutMs: SOON_MS,
      message: 'heartbeat to report the pending rebalance',
    });
    assert.equal(context.isRunning(), false, 'isRunning is false while a rebalance waits');
    await first.consumer.commit([{ topic: 't', partition: 0, offset: 1n }]);
    gate.resolve();
    const second = await joining;
    const admin = await driver.admin();
    assert.deepEqual((await admin.committedOffsets('g', ['t'])).map((o) => o.offset), [1n]);
    await assert.rejects(
      (second.consumer.assignment().length > 0 ? first : second).consumer.commit([{ topic: 't', partition: 0, offset: 1n }]),
      isRebalancing,
      'the member that does not own the partition in the new generation cannot commit it',
    );
  });

  void it('removes a member stuck in its handler past the rebalance timeout; it rejoins as a new member when it returns', async () => {
    const driver = await withTopics({ t: 4 });
    await (await driver.producer()).send([{ topic: 't', partition: 0, value: buffer('sticky') }]);
    const release = deferred();
    const inHandler = deferred<BatchContext>();
    const stuck = await member(driver, ['t'], async (_records, context) => {
      inHandler.resolve(context);
      await release.promise;
    }, 100);
    const context = await inHandler.promise;
    const firstMemberId = stuck.assigned[0]!.memberId;

    const other = await member(driver, ['t'], undefined, 100);
    assert.equal(other.consumer.assignment().length, 4, 'the other member owns every partition once the stuck one is removed');
    await assert.rejects(stuck.consumer.commit([{ topic: 't', partition: 1, offset: 0n }]), isRebalancing, 'the removed member cannot commit');
    assert.equal(context.isRunning(), false);
    await assert.rejects(context.heartbeat(), isRebalancing);
    assert.ok(!(await other.consumer.groupAssignment()).members.some((m) => m.memberId === firstMemberId));

    release.resolve();
    await waitFor(() => stuck.assigned.length === 2 && other.consumer.assignment().length === 2, {
      timeoutMs: SOON_MS,
      message: 'the returning member to rejoin and take half the partitions',
    });
    assert.notEqual(stuck.assigned[1]!.memberId, firstMemberId, 'it rejoined with a new member id');
    assert.deepEqual(stuck.events.slice(0, 2), ['assigned', 'rebalancing']);
  });

  void it('gives a stopped member\'s partitions to the others and refuses its commits', async () => {
    const driver = await withTopics({ t: 2 });
    const first = await member(driver, ['t']);
    const second = await member(driver, ['t']);
    await waitFor(() => first.consumer.assignment().length === 1, { timeoutMs: SOON_MS, message: 'the split' });
    await second.consumer.stop();
    await waitFor(() => first.consumer.assignment().length === 2, { timeoutMs: SOON_MS, message: 'the first member to own both' });
    await assert.rejects(second.consumer.commit([{ topic: 't', partition: 0, offset: 0n }]), isRebalancing);
    assert.deepEqual(second.consumer.assignment(), []);
  });

  void it('rebalances when a running member subscribes to another topic, or a subscribed topic is created', async () => {
    const driver = await withTopics({ a: 1, b: 1 });
    const only = await member(driver, ['a']);
    await only.consumer.subscribe(['b']);
    await waitFor(() => only.consumer.assignment().length === 2, { timeoutMs: SOON_MS, message: 'partitions of both topics' });
    assert.deepEqual(only.events, ['assigned', 'rebalancing', 'assigned']);

    const admin = await driver.admin();
    await admin.deleteTopics(['b']);
    await waitFor(() => only.consumer.assignment().length === 1, { timeoutMs: SOON_MS, message: 'the deleted topic to go away' });
    await admin.createTopics([{ topic: 'b', partitions: 3 }]);
    await waitFor(() => only.consumer.assignment().length === 4, { timeoutMs: SOON_MS, message: 'the re-created topic\'s partitions' });
  });
});
