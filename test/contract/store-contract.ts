// The Store port's contract: one suite that every store adapter must pass. stores.test.ts runs it
// against RocksdbStore and MemoryStore; each test opens stores under a temp dir removed after it.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { KeyRange, Store } from '../../src/stores/index.js';

/** What an adapter promises beyond the common contract. */
export interface StoreContractOptions {
  /** Data, offset and meta survive `close()` and a reopen at the same path. */
  readonly isPersistent: boolean;
}

const b = (...bytes: number[]): Buffer => Buffer.from(bytes);
const s = (text: string): Buffer => Buffer.from(text);
const hex = (buffers: readonly Buffer[]): string[] => buffers.map((buffer) => buffer.toString('hex'));

async function collect(store: Store, range?: KeyRange): Promise<[Buffer, Buffer][]> {
  const out: [Buffer, Buffer][] = [];
  for await (const entry of store.iterate(range)) out.push(entry);
  return out;
}

async function keysOf(store: Store, range?: KeyRange): Promise<string[]> {
  return hex((await collect(store, range)).map(([key]) => key));
}

/** Registers the store contract under `label`; `open` opens (or reopens) the store at a path. */
export function describeStoreContract(label: string, open: (path: string) => Promise<Store>, options: StoreContractOptions): void {
  void describe(`${label} store contract`, () => {
    let dir = '';
    let opened: Store[] = [];
    const openAt = async (name = 'table-0'): Promise<Store> => {
      const store = await open(join(dir, name));
      opened.push(store);
      return store;
    };

    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'streamd-store-contract-'));
      opened = [];
    });
    afterEach(async () => {
      await Promise.allSettled(opened.map((store) => store.close()));
      await rm(dir, { recursive: true, force: true });
    });

    void it('answers undefined for missing keys, from get and getMany alike', async () => {
      const store = await openAt();
      assert.equal(await store.get(s('nope')), undefined);
      await store.write({ puts: [[s('a'), s('1')]], deletes: [] });
      assert.deepEqual(await store.getMany([s('x'), s('a'), s('y'), s('a')]), [undefined, s('1'), undefined, s('1')]);
      assert.deepEqual(await store.getMany([]), []);
    });

    void it('applies the puts and deletes of one write, deletes after puts', async () => {
      const store = await openAt();
      await store.write({ puts: [[s('a'), s('1')], [s('b'), s('2')], [s('c'), s('3')]], deletes: [] });
      await store.write({ puts: [[s('a'), s('10')], [s('d'), s('4')], [s('e'), s('5')]], deletes: [s('b'), s('e'), s('missing')] });
      assert.deepEqual(await collect(store), [[s('a'), s('10')], [s('c'), s('3')], [s('d'), s('4')]]);
    });

    void it('applies the puts of one write in order: a key put twice holds the later value', async () => {
      const store = await openAt();
      await store.write({ puts: [[s('a'), s('1')], [s('b'), s('2')], [s('a'), s('3')], [s('b'), s('4')], [s('a'), s('5')]], deletes: [] });
      assert.deepEqual(await collect(store), [[s('a'), s('5')], [s('b'), s('4')]]);
    });

    void it('keeps an empty value apart from a missing key', async () => {
      const store = await openAt();
      await store.write({ puts: [[s('empty'), Buffer.alloc(0)]], deletes: [] });
      assert.deepEqual(await store.get(s('empty')), Buffer.alloc(0));
      assert.deepEqual(await store.getMany([s('empty'), s('none')]), [Buffer.alloc(0), undefined]);
    });

    void it('applies nothing of a write whose offset is invalid', async () => {
      const store = await openAt();
      await assert.rejects(store.write({ puts: [[s('a'), s('1')]], deletes: [], offset: -1n }), RangeError);
      assert.equal(await store.get(s('a')), undefined);
      assert.equal(await store.offset(), undefined);
    });

    void it('records the offset with the write that carries it, and keeps it through writes without one', async () => {
      const store = await openAt();
      assert.equal(await store.offset(), undefined);
      await store.write({ puts: [[s('k'), s('v')]], deletes: [], offset: 41n });
      assert.equal(await store.offset(), 41n);
      await store.write({ puts: [[s('k2'), s('v2')]], deletes: [] });
      assert.equal(await store.offset(), 41n);
      await store.write({ puts: [], deletes: [], offset: 2n ** 63n - 1n });
      assert.equal(await store.offset(), 2n ** 63n - 1n);
    });

    void it('never yields the offset record, even next to keys made of 0x00 and 0xff bytes', async () => {
      const store = await openAt();
      const reservedLookalike = Buffer.concat([b(0x00), s('changelog-offset')]);
      await store.write({ puts: [[b(0x00), s('zero')], [reservedLookalike, s('user')], [b(0xff, 0xff), s('top')]], deletes: [], offset: 7n });
      assert.deepEqual(await keysOf(store), hex([b(0x00), reservedLookalike, b(0xff, 0xff)]));
      assert.deepEqual(await keysOf(store, { reverse: true }), hex([b(0xff, 0xff), reservedLookalike, b(0x00)]));
      assert.deepEqual(await store.get(reservedLookalike), s('user'));
      assert.equal(await store.offset(), 7n, 'a user key equal to the reserved bytes leaves the offset alone');
    });

    void it('records meta in the same write as the data and the offset, and none of them when the write fails', async () => {
      const store = await openAt();
      assert.equal(await store.meta(), undefined);
      await store.write({ puts: [[s('k'), s('v')]], deletes: [], offset: 3n, meta: s('{"source":{"0":"10"}}') });
      assert.deepEqual(await store.meta(), s('{"source":{"0":"10"}}'));
      assert.deepEqual(await store.get(s('k')), s('v'));
      assert.equal(await store.offset(), 3n);
      await assert.rejects(store.write({ puts: [[s('k'), s('w')]], deletes: [], offset: -1n, meta: s('rejected') }), RangeError);
      assert.deepEqual(await store.meta(), s('{"source":{"0":"10"}}'), 'a rejected write leaves the meta as it was');
      assert.deepEqual(await store.get(s('k')), s('v'));
    });

    void it('keeps meta through writes without one, and replaces it, empty blob included, with writes that carry one', async () => {
      const store = await openAt();
      await store.write({ puts: [], deletes: [], meta: b(0x01, 0x02) });
      await store.write({ puts: [[s('a'), s('1')]], deletes: [], offset: 5n });
      assert.deepEqual(await store.meta(), b(0x01, 0x02));
      await store.write({ puts: [], deletes: [s('a')], meta: b(0x03) });
      assert.deepEqual(await store.meta(), b(0x03));
      assert.equal(await store.offset(), 5n, 'a write with meta alone leaves the offset alone');
      await store.write({ puts: [], deletes: [], meta: Buffer.alloc(0) });
      assert.deepEqual(await store.meta(), Buffer.alloc(0), 'an empty blob is a blob, not "none"');
    });

    void it('hands out meta as a copy: neither the written nor the returned Buffer aliases the stored one', async () => {
      const store = await openAt();
      const written = s('abc');
      await store.write({ puts: [], deletes: [], meta: written });
      written.fill(0);
      const read = await store.meta();
      assert.deepEqual(read, s('abc'));
      read?.fill(0);
      assert.deepEqual(await store.meta(), s('abc'));
    });

    void it('never yields the meta record, even next to a user key equal to its reserved bytes', async () => {
      const store = await openAt();
      const reservedLookalike = Buffer.concat([b(0x00), s('meta')]);
      await store.write({ puts: [[reservedLookalike, s('user')], [s('z'), s('last')]], deletes: [], offset: 1n, meta: s('blob') });
      assert.deepEqual(await collect(store), [[reservedLookalike, s('user')], [s('z'), s('last')]]);
      assert.deepEqual(await collect(store, { reverse: true }), [[s('z'), s('last')], [reservedLookalike, s('user')]]);
      assert.deepEqual(await store.meta(), s('blob'), 'a user key equal to the reserved bytes leaves the meta alone');
    });

    void it('iterates in byte order of the keys, binary keys included', async () => {
      const store = await openAt();
      const keys = [b(0xff), b(0x00, 0x00), b(0x00), Buffer.alloc(0), s('ab'), s('a'), b(0x00, 0xff), b(0x7f, 0x80), s('b'), b(0xff, 0x00)];
      await store.write({ puts: keys.map((key, i) => [key, Buffer.from([i])]), deletes: [] });
      assert.deepEqual(await keysOf(store), hex([...keys].sort((x, y) => Buffer.compare(x, y))));
      for (const [i, key] of keys.entries()) assert.deepEqual(await store.get(key), Buffer.from([i]), `key ${key.toString('hex')}`);
    });

    void it('limits iteration to gte/lt ranges, reversed and limited', async () => {
      const store = await openAt();
      const keys = ['a', 'b', 'c', 'd', 'e'].map(s);
      await store.write({ puts: keys.map((key) => [key, key]), deletes: [] });
      const names = async (range: KeyRange): Promise<string> => (await collect(store, range)).map(([key]) => key.toString()).join('');
      assert.equal(await names({ gte: s('b'), lt: s('d') }), 'bc');
      assert.equal(await names({ gte: s('bb') }), 'cde');
      assert.equal(await names({ lt: s('c') }), 'ab');
      assert.equal(await names({ gte: s('b'), lt: s('e'), reverse: true }), 'dcb');
      assert.equal(await names({ limit: 2 }), 'ab');
      assert.equal(await names({ reverse: true, limit: 2 }), 'ed');
      assert.equal(await names({ gte: s('b'), reverse: true, limit: 1 }), 'e');
      assert.equal(await names({ limit: 0 }), '');
      assert.equal(await names({ gte: s('d'), lt: s('b') }), '');
      assert.equal(await names({ gte: s('c'), lt: s('c') }), '');
      assert.equal(await names({ lt: Buffer.alloc(0) }), '');
      assert.equal(await names({ gte: Buffer.alloc(0) }), 'abcde');
      await assert.rejects(collect(store, { limit: -1 }), RangeError);
    });

    void it('iterates over the entries as they were when the iteration started', async () => {
      const store = await openAt();
      await store.write({ puts: ['a', 'b', 'c'].map((k) => [s(k), s('old')]), deletes: [] });
      const seen: string[] = [];
      for await (const [key, value] of store.iterate()) {
        if (seen.length === 0) await store.write({ puts: [[s('b'), s('new')], [s('bb'), s('new')]], deletes: [s('c')] });
        seen.push(`${key.toString()}=${value.toString()}`);
      }
      assert.deepEqual(seen, ['a=old', 'b=old', 'c=old']);
      assert.deepEqual(await keysOf(store), hex(['a', 'b', 'bb'].map(s)));
    });

    void it('writes 100,000 keys in one batch and iterates them all in order', async (t) => {
      const store = await openAt();
      const count = 100_000;
      const puts: [Buffer, Buffer][] = [];
      for (let i = 0; i < count; i++) {
        const key = Buffer.alloc(8);
        key.writeUInt32BE((i * 2_654_435_761) >>> 0, 0); // scattered insertion order
        key.writeUInt32BE(i, 4);
        puts.push([key, Buffer.alloc(32, i & 0xff)]);
      }
      let started = performance.now();
      await store.write({ puts, deletes: [], offset: BigInt(count) });
      const writeMs = performance.now() - started;
      started = performance.now();
      let seen = 0;
      let previous: Buffer | undefined;
      for await (const [key] of store.iterate()) {
        if (previous !== undefined) assert.ok(Buffer.compare(previous, key) < 0, 'keys come in strictly ascending order');
        previous = key;
        seen++;
      }
      const iterateMs = performance.now() - started;
      assert.equal(seen, count);
      assert.equal(await store.offset(), BigInt(count));
      t.diagnostic(`${label}: 100k-key batch write ${writeMs.toFixed(0)} ms, full iteration ${iterateMs.toFixed(0)} ms`);
    });

    void it('closes idempotently and refuses calls after close', async () => {
      const store = await openAt();
      await store.write({ puts: [[s('a'), s('1')]], deletes: [] });
      const first = store.close();
      assert.equal(store.close(), first, 'a second close returns the same promise');
      await first;
      await store.close();
      for (const call of [() => store.get(s('a')), () => store.getMany([s('a')]), () => store.offset(), () => store.meta(), () => store.write({ puts: [], deletes: [] }), () => collect(store)]) {
        await assert.rejects(call(), { code: 'STREAMD_ILLEGAL_STATE' });
      }
    });

    void it('closes while an iteration is abandoned, and the abandoned iteration then fails', async () => {
      const store = await openAt();
      await store.write({ puts: Array.from({ length: 2000 }, (_, i) => [Buffer.from(`k${String(i).padStart(5, '0')}`), s('v')]), deletes: [] });
      let seen = 0;
      for await (const _entry of store.iterate()) if (++seen === 10) break;
      const suspended = store.iterate()[Symbol.asyncIterator]();
      assert.equal((await suspended.next()).done, false);
      await store.close();
      await assert.rejects(suspended.next(), { code: 'STREAMD_ILLEGAL_STATE' });
    });

    void it('destroys its files, meta included', async () => {
      const store = await openAt('to-destroy');
      await store.write({ puts: [[s('a'), s('1')]], deletes: [], offset: 1n, meta: s('m') });
      await store.destroy();
      await store.destroy();
      assert.equal(existsSync(join(dir, 'to-destroy')), false);
      await assert.rejects(store.get(s('a')), { code: 'STREAMD_ILLEGAL_STATE' });
      const fresh = await openAt('to-destroy');
      assert.equal(await fresh.get(s('a')), undefined);
      assert.equal(await fresh.offset(), undefined);
      assert.equal(await fresh.meta(), undefined, 'destroy clears the meta too');
    });

    if (options.isPersistent) {
      void it('keeps its data, offset and meta through close and reopen', async () => {
        const store = await openAt();
        await store.write({ puts: [[b(0x00), s('zero')], [s('k'), s('v')]], deletes: [], offset: 123n, meta: s('m1') });
        await store.write({ puts: [], deletes: [s('k')], offset: 124n });
        await store.close();
        const reopened = await openAt();
        assert.equal(await reopened.offset(), 124n);
        assert.deepEqual(await reopened.meta(), s('m1'));
        assert.deepEqual(await collect(reopened), [[b(0x00), s('zero')]]);
      });
    } else {
      void it('starts empty after close and reopen (nothing persists)', async () => {
        const store = await openAt();
        await store.write({ puts: [[s('k'), s('v')]], deletes: [], offset: 5n, meta: s('m') });
        await store.close();
        const reopened = await openAt();
        assert.equal(await reopened.offset(), undefined);
        assert.equal(await reopened.meta(), undefined);
        assert.deepEqual(await collect(reopened), []);
      });
    }
  });
}
