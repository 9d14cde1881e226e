// The two clocks: the manual clock wakes due sleepers in order and honours aborts; the system
// clock's sleep ends as soon as its signal aborts.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock, SystemClock } from '../../../src/service/index.js';

void describe('ManualClock', () => {
  void it('wakes due sleepers in time order and leaves later ones asleep', async () => {
    const clock = new ManualClock(1_000);
    const woke: string[] = [];
    const sleep = (name: string, ms: number): Promise<void> =>
      clock.sleep(ms).then(() => {
        woke.push(`${name}@${clock.now()}`);
      });
    const sleeps = [sleep('late', 300), sleep('early', 100), sleep('same-time-second', 100), sleep('later', 5_000)];
    await clock.advance(300);
    assert.deepEqual(woke, ['early@1100', 'same-time-second@1100', 'late@1300']);
    assert.equal(clock.now(), 1_300);
    assert.equal(clock.pendingSleeps, 1);
    await clock.advance(4_700);
    await Promise.all(sleeps);
    assert.deepEqual(woke.at(-1), 'later@6000');
  });

  void it('a sleep begun by a woken sleeper wakes within the same advance', async () => {
    const clock = new ManualClock();
    const woke: number[] = [];
    const chain = (async () => {
      for (const ms of [100, 200, 400]) {
        await clock.sleep(ms);
        woke.push(clock.now());
      }
    })();
    await clock.advance(700);
    await chain;
    assert.deepEqual(woke, [100, 300, 700]);
  });

  void it('an aborted sleep rejects with an AbortError and no longer counts as pending', async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    const sleeping = clock.sleep(1_000, controller.signal);
    assert.equal(clock.pendingSleeps, 1);
    controller.abort();
    await assert.rejects(sleeping, { name: 'AbortError', code: 'ABORT_ERR' });
    assert.equal(clock.pendingSleeps, 0);
    await assert.rejects(clock.sleep(1, controller.signal), { name: 'AbortError' });
  });
});

void describe('SystemClock', () => {
  void it('sleep rejects as soon as its signal aborts', { timeout: 5_000 }, async () => {
    const controller = new AbortController();
    const sleeping = new SystemClock().sleep(3_600_000, controller.signal);
    controller.abort();
    await assert.rejects(sleeping, { name: 'AbortError' });
  });
});
