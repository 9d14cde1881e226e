// Contract: topic patterns (Faust's app.topic(pattern=…)). A consumer subscribed with a regular
// expression reads every topic that matches it when it subscribes, records carrying the real topic
// name, and no other topic; a topic created later is read by the next member that subscribes.
// Registered by driver-contract.ts.

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { collectRecords } from '../helpers/collect.js';
import { uniqueName } from '../helpers/unique-name.js';
import type { ContractContext } from './contract-fixture.js';
import { DELIVERY_TIMEOUT_MS, REBALANCE_TIMEOUT_MS, TEST_TIMEOUT_MS, partitionNames } from './contract-fixture.js';

export function patternContract(ctx: ContractContext): void {
  void it('reads every topic matching a pattern, with the real topic names, and no other', { timeout: TEST_TIMEOUT_MS }, async () => {
    const base = uniqueName('pattern');
    const a = await ctx.createTopic(`${base}-a`, 2);
    const b = await ctx.createTopic(`${base}-b`, 1);
    const other = await ctx.createTopic(`other-${base}`, 1);
    const pattern = new RegExp(`^${base}-`);
    const producer = await ctx.producer();
    const send = (topic: string, partition: number): { topic: string; partition: number; value: Buffer } => ({ topic, partition, value: Buffer.from(`${topic}/${partition}`) });
    await producer.send([send(a, 0), send(a, 1), send(b, 0), send(other, 0)]);

    const first = await collectRecords(await ctx.consumer({ groupId: uniqueName('pattern') }), [pattern]);
    await first.untilCount(3, { timeoutMs: DELIVERY_TIMEOUT_MS });
    assert.deepEqual(first.records.map((r) => `${r.topic}/${r.partition}`).sort(), [`${a}/0`, `${a}/1`, `${b}/0`]);
    assert.ok(first.records.every((r) => r.value?.toString() === `${r.topic}/${r.partition}`), 'each record under the topic it was sent to');
    assert.deepEqual(partitionNames(first.assignedEvents.at(-1)!.partitions), [`${a}/0`, `${a}/1`, `${b}/0`], 'the pattern resolved to the matching topics');

    // A topic created after the subscribe is for the next member that subscribes.
    const c = await ctx.createTopic(`${base}-c`, 1);
    await producer.send([send(c, 0)]);
    const second = await collectRecords(await ctx.consumer({ groupId: uniqueName('pattern') }), [pattern]);
    await second.untilCount(4, { timeoutMs: REBALANCE_TIMEOUT_MS });
    assert.deepEqual(second.records.map((r) => r.topic).sort(), [a, a, b, c].sort());
    assert.deepEqual(first.violations, []);
    assert.deepEqual(second.violations, []);
  });
}
