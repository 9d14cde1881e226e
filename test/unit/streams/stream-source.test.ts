// StreamSource over the memory driver: what an assignment that arrives during the drain does.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import type { AssignedEvent, KafkaDriver } from '../../../src/kafka/index.js';
import { WorkerMetrics } from '../../../src/metrics/index.js';
import { Channel, Conductor, StreamSource } from '../../../src/streams/index.js';
import { waitFor } from '../../helpers/wait-for.js';
import { QUICK, SOON_MS, memoryFixture } from '../kafka/memory/memory-fixture.js';

const log = pino({ level: 'silent' });

/** A source reading topic `t` in group `g`, with an onAssigned that records each call. */
function sourceOn(driver: KafkaDriver): { source: StreamSource; gates: AssignedEvent[] } {
  const conductor = new Conductor(
    {
      log,
      decoderFor: () => (r) => ({ key: null, value: r.value?.toString() ?? null }),
      send: () => undefined,
      pause: () => undefined,
      resume: () => undefined,
      halt: () => undefined,
      countDecodeError: () => undefined,
    },
    100,
  );
  conductor.subscribe({ topic: 't', channel: new Channel('agent a'), agent: 'a', onDecodeError: 'skip', deadLetterTopic: 't-dlq' });
  const gates: AssignedEvent[] = [];
  const source = new StreamSource({
    logger: log,
    driver,
    consumer: { groupId: 'g', ...QUICK },
    conductor,
    metrics: new WorkerMetrics({ withDefaults: false }),
    flush: () => Promise.resolve(),
    commitIntervalMs: 60_000,
    commitEvery: 1000,
    onRevoked: () => undefined,
    onAssigned: (event) => {
      gates.push(event);
      return Promise.resolve();
    },
  });
  return { source, gates };
}

describe('StreamSource', () => {
  const fixture = memoryFixture();

  it('leaves an assignment that arrives while it drains alone: no table recovery is started for it, and nothing crashes', async () => {
    const { driver } = fixture.open();
    await (await driver.admin()).createTopics([{ topic: 't', partitions: 2 }]);
    const { source, gates } = sourceOn(driver);
    const other = await driver.consumer({ groupId: 'g', ...QUICK });
    try {
      await source.start();
      await waitFor(() => gates.length === 1 && !source.isGated, { timeoutMs: SOON_MS, message: 'the first assignment, ready' });

      source.stopFetching();
      // Another member joins (in the e2e test: a worker leaving); the group rebalances while this one drains.
      await other.subscribe(['t']);
      await other.run(() => Promise.resolve());
      await waitFor(() => source.assignment.length === 1, { timeoutMs: SOON_MS, message: 'the draining member assigned its half' });

      assert.equal(gates.length, 1, 'onAssigned is not called for an assignment received while draining');
      assert.equal(source.state, 'running');
    } finally {
      await other.stop();
      await source.stop();
    }
    assert.equal((await source.whenStopped()).state, 'stopped');
  });
});
