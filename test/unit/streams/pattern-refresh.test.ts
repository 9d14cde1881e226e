// StreamSource with a topic pattern, over the memory driver and a manual clock: the member reads
// the matching topics, and a matching topic created later is picked up when
// topicPatternRefreshIntervalMs has passed (a rejoin subscribed to it), not before.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { pino } from 'pino';
import { ManualClock } from '../../../src/service/index.js';
import { Channel } from '../../../src/streams/index.js';
import { waitFor } from '../../helpers/wait-for.js';
import { SOON_MS, memoryFixture } from '../kafka/memory/memory-fixture.js';
import { testSource } from './test-source.js';

const log = pino({ level: 'silent' });
const REFRESH_MS = 1_000;

describe('StreamSource with a topic pattern', () => {
  const memory = memoryFixture();

  it('reads the matching topics, and one created later once topicPatternRefreshIntervalMs has passed', async () => {
    const { driver } = memory.open();
    const admin = await driver.admin();
    await admin.createTopics([{ topic: 'orders-eu', partitions: 2 }, { topic: 'payments', partitions: 1 }]);
    const channel = new Channel('agent a');
    const clock = new ManualClock();
    const assigned: string[][] = [];
    const { source } = testSource({
      driver,
      topic: 'orders',
      pattern: /^orders-/,
      channel,
      logger: log,
      topicPatternRefreshIntervalMs: REFRESH_MS,
      onRevoked: () => channel.drop(() => true),
      onAssigned: (event) => void assigned.push(event.partitions.map((p) => `${p.topic}/${p.partition}`).sort()),
      clock,
    });
    await source.start();
    try {
      assert.deepEqual(assigned.at(-1), ['orders-eu/0', 'orders-eu/1'], 'the matching topic, not payments');
      await admin.createTopics([{ topic: 'orders-us', partitions: 1 }]);
      const producer = await driver.producer();
      await producer.send([{ topic: 'orders-us', value: Buffer.from('late') }]);
      await producer.close();
      await waitFor(() => clock.pendingSleeps >= 2, { timeoutMs: SOON_MS, message: 'the commit timer and the pattern refresh to wait' });

      await clock.advance(REFRESH_MS - 1);
      for (let turn = 0; turn < 50; turn++) await nextTurn();
      assert.equal(assigned.length, 1, 'no rejoin before the refresh interval');

      await clock.advance(1);
      await waitFor(() => assigned.at(-1)?.includes('orders-us/0'), { timeoutMs: SOON_MS, message: 'a rejoin subscribed to orders-us' });
      assert.deepEqual(assigned.at(-1), ['orders-eu/0', 'orders-eu/1', 'orders-us/0']);
      const event = await channel.next(AbortSignal.timeout(SOON_MS));
      assert.equal(event?.message.topic, 'orders-us', 'the event carries the real topic name');
      assert.equal(event?.value, 'late');
    } finally {
      await source.stop();
      await admin.close();
    }
  });
});
