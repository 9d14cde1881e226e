// SeekStaleness: when a record-less batch that kafkajs handled outside eachBatch counts as fetched
// before a seek of its partition — exactly for one broker, conservatively for several.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeekStaleness } from '../../../../src/kafka/drivers/kafkajs/seek-staleness.js';

const p0 = { topic: 't', partition: 0 };
const p1 = { topic: 't', partition: 1 };

void describe('kafkajs seek staleness', () => {
  void it('calls a batch stale when its partition was seeked after the fetch that returned it started', () => {
    const staleness = new SeekStaleness();
    staleness.seeked(p0);
    staleness.fetchStarted(1);
    staleness.fetched(1);
    const mark = staleness.fetchMark();
    assert.equal(staleness.isStale(p0, mark), false, 'a seek before the fetch started was applied by it');
    staleness.seeked(p1);
    assert.equal(staleness.isStale(p1, mark), true, 'a seek after the fetch started is still pending');
    assert.equal(staleness.isStale(p0, mark), false, 'other partitions are unaffected');
  });

  void it('bounds a batch by the oldest fetch in hand when several brokers fetch, so it never calls a stale batch fresh', () => {
    const staleness = new SeekStaleness();
    staleness.fetchStarted(1);
    staleness.fetched(1);
    staleness.seeked(p0);
    staleness.fetchStarted(2);
    staleness.fetched(2);
    // The batch of p0 may come from broker 1's fetch, which started before the seek.
    assert.equal(staleness.isStale(p0, staleness.fetchMark()), true);
    staleness.fetchStarted(1);
    staleness.fetched(1);
    assert.equal(staleness.isStale(p0, staleness.fetchMark()), false, 'once both fetches started after the seek');
  });

  void it('forgets the fetches in hand when the member rejoins, as kafkajs restarts its fetchers', () => {
    const staleness = new SeekStaleness();
    staleness.fetchStarted(1);
    staleness.fetched(1);
    staleness.fetchStarted(2);
    staleness.fetched(2);
    staleness.joined();
    staleness.seeked(p0);
    staleness.fetchStarted(2);
    staleness.fetched(2);
    assert.equal(staleness.isStale(p0, staleness.fetchMark()), false, 'broker 1, gone since the join, no longer holds the bound back');
  });
});
