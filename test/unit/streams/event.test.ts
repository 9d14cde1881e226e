// Event: one record as one stream sees it, holding one reference on the record's acknowledgement.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Event, PartitionTracker } from '../../../src/streams/index.js';
import { Delivery, record } from './fixtures.js';

describe('Event', () => {
  it('acks once: the first ack releases the record, later acks return false', () => {
    const delivery = new Delivery();
    const event = delivery.event({ id: 1 });
    assert.equal(event.isAcked, false);
    assert.equal(event.ack(), true);
    assert.equal(event.isAcked, true);
    assert.equal(delivery.committable, 1n);
    assert.equal(event.ack(), false);
    assert.deepEqual(delivery.settled, [1], 'the record settled once');
  });

  it('runs its whenAcked callbacks before it releases the record, so a commit the release starts sees their effects', () => {
    // The consumer snapshots a commit synchronously when commitEvery acks have settled: inside the
    // release. A table's writes join its committable state in a whenAcked callback; had the
    // release come first, the snapshot would commit the offset without the writes (seen: a count
    // lost when the worker was killed right after such a commit).
    const effects: string[] = [];
    const seenAtSettle: string[][] = [];
    const tracker = new PartitionTracker('views', 0, () => seenAtSettle.push([...effects]));
    const event = new Event('k', 'v', record(0, { topic: 'views' }), tracker.track(0n, 1));
    event.whenAcked(() => effects.push('table write'));
    event.ack();
    assert.deepEqual(seenAtSettle, [['table write']], 'the write was committable when the offset settled');
  });

  it('counts as acked when it holds no record reference', () => {
    const event = new Event('k', 'v', record(0), undefined);
    assert.equal(event.isAcked, true);
    assert.equal(event.ack(), false);
  });

  it('withValue moves the acknowledgement to the copy, which keeps the key and record', () => {
    const delivery = new Delivery();
    const original = delivery.event(1, 'user-1');
    const copy = original.withValue('one');
    assert.equal(copy.value, 'one');
    assert.equal(copy.key, 'user-1');
    assert.equal(copy.message, original.message);
    assert.equal(original.isAcked, true, 'the original no longer holds the reference');
    assert.equal(original.ack(), false);
    assert.equal(delivery.committable, 0n, 'acking the original released nothing');
    assert.equal(copy.ack(), true);
    assert.equal(delivery.committable, 1n);
  });

  it('exposes the headers of its record', () => {
    const headers = { trace: Buffer.from('abc') };
    const event = new Event('k', 'v', record(0, { headers }), undefined);
    assert.equal(event.headers, headers);
  });
});
