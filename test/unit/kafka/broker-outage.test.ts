// BrokerOutage: retriable failures open an outage that /ready shows, recoveries close it, and a
// reporter failing past brokerUnavailableTimeoutMs gets a BrokerUnavailableError with the reason.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { RebalanceInProgressError, KafkaError, ConfigError } from '../../../src/errors/index.js';
import { BrokerOutage, isRetriableFailure } from '../../../src/kafka/index.js';
import { ManualClock } from '../../../src/service/index.js';
import { waitFor } from '../../helpers/wait-for.js';

const silent = pino({ level: 'silent' });
const refused = (): KafkaError => new KafkaError('connect consumer: Connection error: connect ECONNREFUSED 127.0.0.1:9092', { retriable: true });

function outage(timeoutMs = 10_000): { outage: BrokerOutage; clock: ManualClock } {
  const clock = new ManualClock(1_000_000);
  return { outage: new BrokerOutage({ timeoutMs, clock, logger: silent, initialBackoffMs: 100, maxBackoffMs: 400 }), clock };
}

describe('BrokerOutage', () => {
  it('has no outage until a failure, then says since when and the last failure', async () => {
    const { outage: o, clock } = outage();
    assert.equal(o.current, undefined);
    o.failed('consumer', refused());
    await clock.advance(2000);
    o.failed('producer', new KafkaError('send: Request Produce timed out', { retriable: true }));
    assert.deepEqual(o.current, { sinceMs: 1_000_000, lastFailure: 'producer', lastError: 'send: Request Produce timed out' });
  });

  it('ends the outage only once every reporter that failed has recovered', () => {
    const { outage: o } = outage();
    o.failed('consumer', refused());
    o.failed('changelog reader', refused());
    o.recovered('consumer');
    assert.notEqual(o.current, undefined, 'the changelog reader still fails');
    o.recovered('changelog reader');
    assert.equal(o.current, undefined);
  });

  it('throws STREAMD_BROKER_UNAVAILABLE with the reason once a reporter has failed for the whole timeout', async () => {
    const { outage: o, clock } = outage(10_000);
    o.failed('consumer', refused());
    await clock.advance(9_999);
    o.failed('consumer', refused());
    await clock.advance(1);
    assert.throws(() => o.failed('consumer', refused()), (err: unknown) => {
      const e = err as { code: string; message: string };
      assert.equal(e.code, 'STREAMD_BROKER_UNAVAILABLE');
      assert.match(e.message, /unavailable to the consumer for 10 s, longer than brokerUnavailableTimeoutMs \(10000 ms\); last error: .*ECONNREFUSED/);
      return true;
    });
  });

  it('counts the timeout afresh after a recovery', async () => {
    const { outage: o, clock } = outage(10_000);
    o.failed('consumer', refused());
    await clock.advance(9_000);
    o.recovered('consumer');
    o.failed('consumer', refused());
    await clock.advance(9_000);
    assert.doesNotThrow(() => o.failed('consumer', refused()));
  });

  it('retrying waits out retriable failures with doubling backoff and rethrows any other failure at once', async () => {
    const { outage: o, clock } = outage();
    const failures: Error[] = [refused(), refused(), refused()];
    let calls = 0;
    const result = o.retrying('topic setup', new AbortController().signal, () => {
      calls += 1;
      const failure = failures.shift();
      return failure === undefined ? Promise.resolve('done') : Promise.reject(failure);
    });
    const backoffs: number[] = [];
    for (let i = 0; i < 3; i++) {
      await waitFor(() => clock.pendingSleeps === 1, { timeoutMs: 2000, intervalMs: 1, message: 'a backoff to begin' });
      backoffs.push(clock.nextDueMs! - clock.now());
      await clock.advance(clock.nextDueMs! - clock.now());
    }
    assert.equal(await result, 'done');
    assert.equal(calls, 4);
    assert.deepEqual(backoffs, [100, 200, 400]);
    assert.equal(o.current, undefined, 'the success ended the outage');
    const config = new ConfigError('bad topic');
    await assert.rejects(o.retrying('topic setup', new AbortController().signal, () => Promise.reject(config)), config);
  });

  it('treats retriable Kafka errors and rebalances as retriable, and nothing else', () => {
    assert.equal(isRetriableFailure(refused()), true);
    assert.equal(isRetriableFailure(new RebalanceInProgressError('rebalancing')), true);
    assert.equal(isRetriableFailure(new KafkaError('MESSAGE_TOO_LARGE')), false);
    assert.equal(isRetriableFailure(new KafkaError('gone', { retriable: true, code: 'STREAMD_UNKNOWN_TOPIC' })), false);
    assert.equal(isRetriableFailure(new Error('boom')), false);
  });
});
