// LivelockWatch: commitLivelockSoftTimeoutMs warns, naming the partition and the offset, when a
// partition with events has not moved its committable offset for that long.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { ManualClock } from '../../../src/service/index.js';
import { LivelockWatch, PartitionTracker } from '../../../src/streams/index.js';

function setUp(softTimeoutMs: number): { watch: LivelockWatch; clock: ManualClock; warnings: Record<string, unknown>[]; tracker: PartitionTracker } {
  const warnings: Record<string, unknown>[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => warnings.push(JSON.parse(line) as Record<string, unknown>) });
  const clock = new ManualClock(1_000);
  return { watch: new LivelockWatch(softTimeoutMs, clock, logger), clock, warnings, tracker: new PartitionTracker('orders', 3, () => undefined) };
}

describe('LivelockWatch', () => {
  it('warns once, naming the topic, partition and offset, when an unacked event holds commits back past the soft timeout', async () => {
    const { watch, clock, warnings, tracker } = setUp(5_000);
    const stuck = tracker.track(41n, 1);
    tracker.track(42n, 1).release();
    assert.equal(watch.check([tracker]), 0);
    await clock.advance(4_999);
    assert.equal(watch.check([tracker]), 0, 'not before the soft timeout');
    await clock.advance(1);
    assert.equal(watch.check([tracker]), 1);
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]!['topic'], 'orders');
    assert.equal(warnings[0]!['partition'], 3);
    assert.equal(warnings[0]!['offset'], '41');
    assert.match(String(warnings[0]!['msg']), /orders\[3\] has not committed past offset 41 for 5000 ms/);
    await clock.advance(60_000);
    assert.equal(watch.check([tracker]), 0, 'one warning per stuck offset');
    stuck.release();
    tracker.track(43n, 1);
    assert.equal(watch.check([tracker]), 0, 'a moved offset starts a new wait');
    await clock.advance(5_000);
    assert.equal(watch.check([tracker]), 1);
    assert.equal(warnings[1]!['offset'], '43');
  });

  it('stays quiet for a partition with nothing pending, however long it is idle', async () => {
    const { watch, clock, tracker } = setUp(1_000);
    tracker.track(7n, 1).release();
    watch.check([tracker]);
    await clock.advance(10_000);
    assert.equal(watch.check([tracker]), 0);
  });

  it('stays quiet while a slow handler keeps acking within the soft timeout', async () => {
    const { watch, clock, tracker } = setUp(1_000);
    let previous = tracker.track(0n, 1);
    for (let offset = 1n; offset < 10n; offset++) {
      const next = tracker.track(offset, 1);
      assert.equal(watch.check([tracker]), 0);
      await clock.advance(900);
      previous.release();
      previous = next;
    }
  });
});
