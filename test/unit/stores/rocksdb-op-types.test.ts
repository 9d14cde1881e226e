// rocksdb-native's write operations read their `type` through a getter, which its native write calls
// per operation; fastenOperationType makes it a plain value of the class, and a store's writes
// (puts, tombstones, the offset record) read back the same after it.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { RocksdbStore } from '../../../src/stores/index.js';
import { fastenOperationType } from '../../../src/stores/rocksdb-op-types.js';
import { tempDirPerTest } from './fixture.js';

describe('fastenOperationType', () => {
  const temp = tempDirPerTest('op-types');

  it('turns a getter `type` into the same plain value on the class, once, and leaves anything else alone', () => {
    let calls = 0;
    class Put {
      get type(): number {
        calls += 1;
        return 7;
      }
    }
    const first = new Put();
    fastenOperationType(first);
    assert.equal(calls, 1, 'the getter was read once, for its value');
    assert.equal(new Put().type, 7);
    assert.equal(calls, 1, 'later operations read the value without the getter');
    assert.equal(Object.getOwnPropertyDescriptor(Put.prototype, 'type')?.value, 7);

    class Settable {
      #type = 1;
      get type(): number {
        return this.#type;
      }
      set type(value: number) {
        this.#type = value;
      }
    }
    fastenOperationType(new Settable());
    assert.equal(typeof Object.getOwnPropertyDescriptor(Settable.prototype, 'type')?.get, 'function', 'a settable type is not a constant: left alone');
    fastenOperationType(undefined);
    fastenOperationType({ type: 1 });
  });

  it('leaves a store reading back every put and tombstone of writes made after it', async () => {
    const store = await RocksdbStore.open(join(temp.dir(), 'db'));
    try {
      await store.write({ puts: [[Buffer.from('a'), Buffer.from('1')], [Buffer.from('b'), Buffer.from('2')]], deletes: [], offset: 1n });
      await store.write({ puts: [[Buffer.from('c'), Buffer.from('3')]], deletes: [Buffer.from('a')], offset: 3n });
      await store.write({ puts: [], deletes: [Buffer.from('b')], offset: 4n });
      const entries: string[] = [];
      for await (const [key, value] of store.iterate()) entries.push(`${key.toString()}=${value.toString()}`);
      assert.deepEqual(entries, ['c=3']);
      assert.equal(await store.offset(), 4n);
    } finally {
      await store.close();
    }
  });
});
