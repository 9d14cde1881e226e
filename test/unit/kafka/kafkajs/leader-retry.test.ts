// retryWhileLeaderSettles: kafkajs calls that fail while partition leadership settles are tried
// again; every other failure surfaces at once.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { retryWhileLeaderSettles } from '../../../../src/kafka/drivers/kafkajs/leader-retry.js';

/** A kafkajs protocol error as its admin client throws it. */
function protocolError(type: string): Error {
  return Object.assign(new Error(type), { type, retriable: true });
}

/** A call that fails with `failures` in turn, then answers 'offsets'. */
function flaky(failures: readonly Error[]): { call: () => Promise<string>; calls: () => number } {
  let calls = 0;
  return {
    call: () => {
      const failure = failures[calls++];
      return failure === undefined ? Promise.resolve('offsets') : Promise.reject(failure);
    },
    calls: () => calls,
  };
}

describe('retryWhileLeaderSettles', () => {
  it('tries again while the partition has no leader yet or another broker leads it', async () => {
    const target = flaky([protocolError('NOT_LEADER_FOR_PARTITION'), protocolError('LEADER_NOT_AVAILABLE')]);
    assert.equal(await retryWhileLeaderSettles(target.call, { initialDelayMs: 1 }), 'offsets');
    assert.equal(target.calls(), 3);
  });

  it('finds the leadership error wrapped in the error kafkajs throws', async () => {
    const wrapped = Object.assign(new Error('retries exhausted'), { originalError: protocolError('NOT_LEADER_FOR_PARTITION') });
    const target = flaky([wrapped]);
    assert.equal(await retryWhileLeaderSettles(target.call, { initialDelayMs: 1 }), 'offsets');
  });

  it('throws any other failure at once', async () => {
    const target = flaky([protocolError('TOPIC_AUTHORIZATION_FAILED')]);
    await assert.rejects(retryWhileLeaderSettles(target.call, { initialDelayMs: 1 }), /TOPIC_AUTHORIZATION_FAILED/);
    assert.equal(target.calls(), 1);
  });

  it('gives up after the last attempt with the leadership error', async () => {
    const target = flaky(Array.from({ length: 5 }, () => protocolError('NOT_LEADER_FOR_PARTITION')));
    await assert.rejects(retryWhileLeaderSettles(target.call, { attempts: 3, initialDelayMs: 1 }), /NOT_LEADER_FOR_PARTITION/);
    assert.equal(target.calls(), 3);
  });
});
