// streamd_store_memory_bytes sums the RocksDB stores' memory per table (store-memory.ts): the
// partitions of a table add up, memory:// stores have none of their own, and a store closed while it
// is read (its partition just revoked) is left out instead of failing the scrape.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MemoryStore, RocksdbStore } from '../../../src/stores/index.js';
import { storeMemoryByTable } from '../../../src/tables/store-memory.js';
import { tempDirPerTest } from '../stores/fixture.js';

async function written(path: string, entries: number): Promise<RocksdbStore> {
  const store = await RocksdbStore.open(path, {});
  const value = Buffer.alloc(512, 1);
  await store.write({ puts: Array.from({ length: entries }, (_, i) => [Buffer.from(`k${i}`), value] as const), deletes: [], offset: BigInt(entries) });
  return store;
}

void describe('storeMemoryByTable', () => {
  const temp = tempDirPerTest('store-memory');

  void it('sums the memtables of each table over its partitions and leaves out memory:// and closed stores', async () => {
    const counts0 = await written(join(temp.dir(), 'counts-0'), 1000);
    const counts1 = await written(join(temp.dir(), 'counts-1'), 3000);
    const closed = await written(join(temp.dir(), 'visitors-0'), 1000);
    await closed.close();
    const inMemory = new MemoryStore(join(temp.dir(), 'sessions-0'));
    try {
      const [one, two] = [(await counts0.memoryUsage()).memtableBytes, (await counts1.memoryUsage()).memtableBytes];
      assert.ok(two > one && one > 500 * 1000, `the memtables hold what was written: ${one} and ${two} bytes`);
      const sums = await storeMemoryByTable([
        { table: 'counts', store: counts0 },
        { table: 'counts', store: counts1 },
        { table: 'visitors', store: closed },
        { table: 'sessions', store: inMemory },
      ]);
      assert.deepEqual(sums.map((sum) => sum.table), ['counts']);
      assert.equal(sums[0]!.memtableBytes, one + two);
      assert.equal(sums[0]!.blockCacheBytes, (await counts0.memoryUsage()).blockCacheBytes + (await counts1.memoryUsage()).blockCacheBytes);
    } finally {
      await Promise.all([counts0.close(), counts1.close(), inMemory.close()]);
    }
  });
});
