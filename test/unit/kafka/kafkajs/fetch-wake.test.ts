// A resume wakes kafkajs's fetch loop (fetch-wake.ts): kafkajs's consumer group sleeps maxWaitMs when
// every partition is paused, and that sleep is now one a resume ends.

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { isFetchWakeInstalled, wakeSleepers, wakeableSleep } from '../../../../src/kafka/drivers/kafkajs/fetch-wake.js';
import '../../../../src/kafka/drivers/kafkajs/kafkajs.js';

const require = createRequire(import.meta.url);

/** 'done' when `promise` has settled by the event loop's next turn, else 'pending'. */
async function state(promise: Promise<unknown>): Promise<'done' | 'pending'> {
  return Promise.race([promise.then(() => 'done' as const), nextTurn('pending' as const)]);
}

describe('kafkajs fetch wake', () => {
  it('is the sleep kafkajs\'s consumer group loads', () => {
    assert.equal(isFetchWakeInstalled, true, 'installed before kafkajs loaded');
    assert.equal(require('kafkajs/src/utils/sleep.js'), wakeableSleep);
    assert.ok(require.cache[require.resolve('kafkajs/src/consumer/consumerGroup.js')] !== undefined, 'the consumer group module loaded with it');
  });

  it('ends every sleep in progress at a wake, and only those', async () => {
    const first = wakeableSleep(5_000);
    const second = wakeableSleep(5_000);
    assert.equal(await state(first), 'pending');
    wakeSleepers();
    assert.deepEqual([await state(first), await state(second)], ['done', 'done']);
    const later = wakeableSleep(5_000);
    assert.equal(await state(later), 'pending', 'a sleep begun after the wake sleeps');
    wakeSleepers();
    assert.equal(await state(later), 'done');
  });

  it('still ends on its own after its time', async () => {
    await wakeableSleep(1);
  });
});
