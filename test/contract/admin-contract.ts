// Contract: topic administration — configs such as compaction, idempotent creation, deletion,
// unknown topics — and createDriver's URL check. Registered by driver-contract.ts.

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { hasCode } from '../../src/errors/index.js';
import { createDriver } from '../../src/kafka/index.js';
import { collectRecords } from '../helpers/collect.js';
import { uniqueName } from '../helpers/unique-name.js';
import { waitFor } from '../helpers/wait-for.js';
import type { ContractContext } from './contract-fixture.js';
import { DELIVERY_TIMEOUT_MS, TEST_TIMEOUT_MS } from './contract-fixture.js';

/** How long a deleted topic may still show up in metadata. */
const DELETION_TIMEOUT_MS = 15_000;

export function adminContract(ctx: ContractContext): void {
  void it('creates a topic with its configs, and describes its partitions and configs', { timeout: TEST_TIMEOUT_MS }, async () => {
    const admin = await ctx.admin();
    const compacted = uniqueName('compacted');
    const plain = uniqueName('plain');
    await admin.createTopics([
      { topic: compacted, partitions: 3, config: { 'cleanup.policy': 'compact', 'min.compaction.lag.ms': '60000' } },
      { topic: plain, partitions: 2 },
    ]);
    const topics = await admin.listTopics();
    assert.ok(topics.includes(compacted) && topics.includes(plain), `listTopics shows the new topics: ${topics.join(', ')}`);

    const [first, second] = await admin.describeTopics([compacted, plain]);
    assert.equal(first?.topic, compacted, 'describeTopics answers in input order');
    assert.equal(first.partitions, 3);
    assert.equal(first.config['cleanup.policy'], 'compact');
    assert.equal(first.config['min.compaction.lag.ms'], '60000');
    assert.equal(second?.topic, plain);
    assert.equal(second.partitions, 2);
    assert.equal(second.config['cleanup.policy'], 'delete', 'a topic without configs reports the default cleanup.policy');
    assert.equal(second.config['min.compaction.lag.ms'], undefined, 'configs that were not set are not reported');
  });

  void it('leaves an existing topic as it is when asked to create it again', { timeout: TEST_TIMEOUT_MS }, async () => {
    const admin = await ctx.admin();
    const existing = await ctx.createTopic('existing', 3, { 'cleanup.policy': 'compact' });
    const fresh = uniqueName('fresh');
    await admin.createTopics([
      { topic: existing, partitions: 6, config: { 'cleanup.policy': 'delete', 'retention.ms': '1000' } },
      { topic: fresh, partitions: 1 },
    ]);
    const [again, created] = await admin.describeTopics([existing, fresh]);
    assert.equal(again?.partitions, 3, 'the partition count is unchanged');
    assert.equal(again.config['cleanup.policy'], 'compact', 'the configs are unchanged');
    assert.equal(again.config['retention.ms'], undefined, 'no config was added');
    assert.equal(created?.partitions, 1, 'the topic that did not exist is created alongside');
  });

  void it('deletes a topic so that it is no longer listed or described', { timeout: TEST_TIMEOUT_MS }, async () => {
    const admin = await ctx.admin();
    const doomed = await ctx.createTopic('doomed', 2);
    const kept = await ctx.createTopic('kept', 1);
    await admin.deleteTopics([doomed]);
    await waitFor(async () => !(await admin.listTopics()).includes(doomed), {
      timeoutMs: DELETION_TIMEOUT_MS,
      message: `deleted topic ${doomed} to leave listTopics`,
    });
    assert.ok((await admin.listTopics()).includes(kept), 'deleting one topic leaves the others');
    await assert.rejects(admin.describeTopics([doomed]), (err) => hasCode(err, 'STREAMD_UNKNOWN_TOPIC'));
  });

  void it('rejects describing an unknown topic with STREAMD_UNKNOWN_TOPIC', { timeout: TEST_TIMEOUT_MS }, async () => {
    const admin = await ctx.admin();
    const known = await ctx.createTopic('known', 1);
    const unknown = uniqueName('never-created');
    const isUnknownTopic = (err: unknown): boolean => {
      assert.ok(hasCode(err, 'STREAMD_UNKNOWN_TOPIC'), `expected code STREAMD_UNKNOWN_TOPIC, got ${String((err as { code?: unknown }).code)}: ${String(err)}`);
      assert.ok(String((err as Error).message).includes(unknown), 'the error names the unknown topic');
      return true;
    };
    await assert.rejects(admin.describeTopics([unknown]), isUnknownTopic);
    await assert.rejects(admin.describeTopics([known, unknown]), isUnknownTopic);
    assert.ok(!(await admin.listTopics()).includes(unknown), 'describing an unknown topic does not create it');
  });

  void it('closes every client it created, and closing again is harmless', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = await ctx.createTopic('close', 1);
    const producer = await ctx.producer();
    await producer.send([{ topic, value: Buffer.from('before-close') }]);
    const collector = await collectRecords(await ctx.consumer({ groupId: uniqueName('close') }), [topic]);
    await collector.untilCount(1, { timeoutMs: DELIVERY_TIMEOUT_MS });
    assert.equal(collector.consumer.assignment().length, 1, 'the consumer owns the partition before the driver closes');

    await Promise.all([ctx.driver.close(), ctx.driver.close()]);
    await ctx.driver.close();
    assert.deepEqual(collector.consumer.assignment(), [], 'a consumer of a closed driver owns nothing');
    await Promise.all([collector.consumer.stop(), collector.consumer.stop()]);
    await producer.close();
  });

  void it('rejects a broker URL it cannot use with STREAMD_CONFIG', () => {
    for (const url of ['nonsense', 'kafka://', 'kafka://host-without-port', 'http://localhost:9092']) {
      assert.throws(() => createDriver(url), (err) => hasCode(err, 'STREAMD_CONFIG'), `createDriver("${url}")`);
    }
  });
}
