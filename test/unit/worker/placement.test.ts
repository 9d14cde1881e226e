// A handler send's partition and timestamp (SendOptions): passed to the record, or refused at once.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { placement } from '../../../src/worker/placement.js';

const counts = new Map([['t', 3]]);

describe('placement', () => {
  it('passes a partition the topic has and a timestamp (ms or Date) to the record', () => {
    assert.deepEqual(placement('t', { value: 1 }, counts), {});
    assert.deepEqual(placement('t', { value: 1, partition: 2, timestamp: 5 }, counts), { partition: 2, timestamp: 5 });
    assert.deepEqual(placement('t', { value: 1, timestamp: new Date(Date.UTC(2024, 0, 1)) }, counts), { timestamp: 1_704_067_200_000 });
    assert.deepEqual(placement('unknown', { value: 1, partition: 9 }, counts), { partition: 9 }, 'a topic whose count is not known yet');
  });

  it('refuses a partition the topic lacks and a timestamp that is not a time', () => {
    assert.throws(() => placement('t', { value: 1, partition: 3 }, counts), (error: unknown) => {
      assert.equal((error as { code?: string }).code, 'STREAMD_BAD_PARTITION');
      assert.match((error as Error).message, /cannot send to t partition 3: the topic's partitions are 0 to 2/);
      return true;
    });
    assert.throws(() => placement('t', { value: 1, partition: -1 }, counts), /partition -1/);
    assert.throws(() => placement('t', { value: 1, partition: 1.5 }, counts), /partition 1.5/);
    assert.throws(() => placement('t', { value: 1, timestamp: new Date('nope') }, counts), (error: unknown) => (error as { code?: string }).code === 'STREAMD_BAD_TIMESTAMP');
    assert.throws(() => placement('t', { value: 1, timestamp: -5 }, counts), /timestamp -5/);
  });
});
