// The write-back cache of one table partition: an event's writes become committable only when
// the event is acked; flushes carry the positions they reflect; replayed events write nothing.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryStore } from '../../../src/stores/index.js';
import { ORIGIN_HEADER, TablePositions, originHeader } from '../../../src/tables/index.js';
import { TablePartition } from '../../../src/tables/table-partition.js';
import { Delivery, record } from '../streams/fixtures.js';

const b = (text: string): Buffer => Buffer.from(text);
const text = (value: Buffer | null | undefined): string | null | undefined => (value === undefined || value === null ? value : value.toString());

function partition(positions = new TablePositions()): TablePartition {
  return new TablePartition('counts', 0, new MemoryStore('mem/counts-0'), positions);
}

describe('TablePartition', () => {
  it('keeps an event\'s writes out of flushes until the event is acked, but shows them to that event', async () => {
    const table = partition();
    const delivery = new Delivery('views', 0);
    const event = delivery.event('v');
    table.put(b('a'), b('1'), event);
    assert.equal(text(await table.get(b('a'), event)), '1', 'the writing event reads its own write');
    assert.equal(await table.get(b('a'), undefined), undefined, 'others do not see it yet');
    assert.equal(table.takeFlush(), undefined, 'nothing is committable');
    event.ack();
    const flush = table.takeFlush();
    assert.ok(flush !== undefined);
    assert.deepEqual([...flush.entries.values()].map((w) => [w.key.toString(), text(w.value)]), [['a', '1']]);
    assert.equal(flush.positions.sources.get('views'), 1n, 'the flush reflects the event: the next offset is 1');
  });

  it('fails every store write after a failed one: a later flush must not store an offset past the missing writes', async () => {
    const store = new MemoryStore('mem/counts-0');
    const table = new TablePartition('counts', 0, store, new TablePositions());
    const original = store.write.bind(store);
    let isFull = true;
    store.write = (batch) => (isFull ? Promise.reject(Object.assign(new Error('No space left on device'), { code: 'STREAMD_STORE_IO' })) : original(batch));
    table.put(b('a'), b('1'), undefined);
    const first = table.takeFlush()!;
    first.offset = 10n;
    table.put(b('b'), b('2'), undefined);
    const second = table.takeFlush()!;
    second.offset = 11n;
    await assert.rejects(table.writeFlush(first), /No space left/);
    isFull = false;
    await assert.rejects(table.writeFlush(second), /No space left/, 'the second flush is refused with the first failure');
    assert.equal(await store.offset(), undefined, 'the store records no offset past the failed flush');
  });

  it('drops the writes of an event whose partition was revoked: its next owner processes it again', async () => {
    const table = partition();
    const delivery = new Delivery('views', 0);
    const late = delivery.event('v');
    delivery.tracker.revoke();
    table.put(b('a'), b('1'), late);
    late.ack();
    assert.equal(await table.get(b('a'), late), undefined, 'the revoked event wrote nothing');
    assert.equal(table.takeFlush(), undefined, 'and nothing of it is committable');
  });

  it('sends one record per key per flush: the last write wins', () => {
    const table = partition();
    table.put(b('a'), b('1'), undefined);
    table.put(b('a'), b('2'), undefined);
    table.put(b('b'), null, undefined);
    const flush = table.takeFlush()!;
    assert.deepEqual(
      [...flush.entries.values()].map((w) => [w.key.toString(), text(w.value)]),
      [['a', '2'], ['b', null]],
    );
  });

  it('serves a flush from memory until it is written, then from the store with its offset and positions', async () => {
    const table = partition();
    const delivery = new Delivery('views', 0);
    const event = delivery.event('v');
    table.put(b('a'), b('1'), event);
    event.ack();
    const flush = table.takeFlush()!;
    assert.equal(text(await table.get(b('a'), undefined)), '1', 'served from the flush');
    flush.offset = 41n;
    await table.writeFlush(flush);
    assert.equal(text(await table.store.get(b('a'))), '1');
    assert.equal(await table.store.offset(), 41n);
    assert.equal(TablePositions.decode(await table.store.meta()).sources.get('views'), 1n);
    assert.equal(text(await table.get(b('a'), undefined)), '1', 'served from the store');
  });

  it('ignores the writes of an event the table already reflects (a replay after a crash)', () => {
    const positions = new TablePositions();
    positions.advanceSource('views', 2n);
    const table = partition(positions);
    const delivery = new Delivery('views', 0);
    const replayed = delivery.event('v0');
    table.put(b('a'), b('stale'), replayed);
    replayed.ack();
    assert.equal(table.takeFlush(), undefined, 'offset 0 < 2: already applied');
    delivery.event('v1').ack();
    const fresh = delivery.event('v2');
    table.put(b('a'), b('new'), fresh);
    fresh.ack();
    assert.equal(text([...table.takeFlush()!.entries.values()][0]!.value), 'new');
  });

  it('ignores a repartitioned record whose origin it has seen (the upstream stage sent it twice)', () => {
    const table = partition();
    const originOf = (offset: number): Buffer => originHeader({ topic: 'page_views', partition: 3, offset: BigInt(offset) });
    const first = record(0, { topic: 'rp', headers: { [ORIGIN_HEADER]: originOf(100) } });
    const again = record(1, { topic: 'rp', headers: { [ORIGIN_HEADER]: originOf(100) } });
    const next = record(2, { topic: 'rp', headers: { [ORIGIN_HEADER]: originOf(101) } });
    const positions = new TablePositions();
    positions.advance(first);
    assert.equal(positions.covers(again), true, 'same origin offset: a duplicate');
    assert.equal(positions.covers(next), false, 'a later origin offset is new');
    table.put(b('x'), b('1'), undefined);
    assert.ok(table.takeFlush() !== undefined);
  });

  it('drops pending writes when detached (revoked): late acks change nothing', () => {
    const table = partition();
    const delivery = new Delivery('views', 0);
    const event = delivery.event('v');
    table.put(b('a'), b('1'), event);
    table.put(b('b'), b('1'), undefined);
    table.detach();
    event.ack();
    assert.equal(table.takeFlush(), undefined);
    table.put(b('c'), b('1'), undefined);
    assert.equal(table.takeFlush(), undefined, 'writes after the revoke are ignored');
  });

  it('warms a small store whole into memory: keys it lacks are answered without a store read', async () => {
    const store = new MemoryStore('mem/counts-0');
    await store.write({ puts: [[b('a'), b('1')], [b('b'), b('2')]], deletes: [] });
    const table = new TablePartition('counts', 0, store, new TablePositions());
    await table.warm();
    let storeReads = 0;
    const read = store.get.bind(store);
    store.get = (key) => ((storeReads += 1), read(key));
    assert.equal(text(await table.get(b('a'), undefined)), '1', 'a stored key is served from memory');
    assert.equal(await table.get(b('new'), undefined), undefined, 'a key the store lacks is absent');
    assert.equal(storeReads, 0, 'neither read reached the store');
    table.put(b('new'), b('3'), undefined);
    const flush = table.takeFlush()!;
    flush.offset = 1n;
    await table.writeFlush(flush);
    assert.equal(text(await table.get(b('new'), undefined)), '3', 'a key written since is served after its flush is stored');
    assert.equal(storeReads, 0);
  });

  it('leaves a store of more keys than the limit to store reads', async () => {
    const store = new MemoryStore('mem/counts-0');
    await store.write({ puts: [[b('a'), b('1')], [b('b'), b('2')]], deletes: [] });
    const table = new TablePartition('counts', 0, store, new TablePositions());
    await table.warm(1);
    let storeReads = 0;
    const read = store.get.bind(store);
    store.get = (key) => ((storeReads += 1), read(key));
    assert.equal(text(await table.get(b('b'), undefined)), '2');
    assert.equal(await table.get(b('new'), undefined), undefined);
    assert.equal(storeReads, 2, 'both reads went to the store');
  });

  it('lists entries with the cache over the store', async () => {
    const table = partition();
    await table.store.write({ puts: [[b('a'), b('1')], [b('b'), b('1')], [b('c'), b('1')]], deletes: [] });
    table.put(b('b'), b('2'), undefined);
    table.put(b('c'), null, undefined);
    table.put(b('d'), b('4'), undefined);
    const seen: [string, string][] = [];
    for await (const [key, value] of table.entries()) seen.push([key.toString(), value.toString()]);
    assert.deepEqual(seen, [['a', '1'], ['b', '2'], ['d', '4']]);
  });
});

describe('TablePositions', () => {
  it('round-trips through its encoding and merges by maximum', () => {
    const positions = new TablePositions();
    positions.advanceSource('t', 10n);
    positions.advanceOrigin('t', 'up\u00003', 99n);
    const decoded = TablePositions.decode(positions.encode());
    assert.equal(decoded.sources.get('t'), 10n);
    assert.equal(decoded.origins.get('t')?.get('up\u00003'), 99n);
    const lower = new TablePositions();
    lower.advanceSource('t', 5n);
    decoded.merge(lower);
    assert.equal(decoded.sources.get('t'), 10n, 'never goes back');
    assert.equal(TablePositions.decode(Buffer.from('not json')).isEmpty, true, 'unreadable positions are empty');
  });
});
