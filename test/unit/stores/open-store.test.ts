// openStore picks the adapter by URL; openOrRebuild wipes a corrupted store, says so in the log, and
// opens it empty, and leaves every other store (healthy, locked) as it is.

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MemoryStore, RocksdbStore, openOrRebuild, openStore } from '../../../src/stores/index.js';
import { captureLogger, someEntries, storeFiles, tempDirPerTest } from './fixture.js';

void describe('openStore', () => {
  const temp = tempDirPerTest('open-store');

  void it('opens the adapter its URL names', async () => {
    for (const [url, adapter] of [['rocksdb://', RocksdbStore], ['rocksdb:', RocksdbStore], ['memory://', MemoryStore], ['memory:', MemoryStore]] as const) {
      const store = await openStore(url, { path: join(temp.dir(), 'scores-0') });
      try {
        assert.ok(store instanceof adapter, url);
      } finally {
        await store.close();
      }
    }
  });

  void it('rejects an unknown store URL with a ConfigError that names the known ones', async () => {
    await assert.rejects(openStore('redis://', { path: temp.dir() }), { code: 'STREAMD_CONFIG', message: /unknown store URL "redis:\/\/".*rocksdb:\/\/.*memory:\/\// });
    await assert.rejects(openStore('rocksdb://somewhere', { path: temp.dir() }), { code: 'STREAMD_CONFIG' });
  });

  void it('rejects RocksDB options that would break the store with a ConfigError', async () => {
    await assert.rejects(openStore('rocksdb://', { path: temp.dir(), options: { writeBufferSize: 10 } }), { code: 'STREAMD_CONFIG', message: /writeBufferSize/ });
    await assert.rejects(openStore('rocksdb://', { path: temp.dir(), options: { iteratorCapacity: 0 } }), { code: 'STREAMD_CONFIG' });
  });
});

void describe('openOrRebuild', () => {
  const temp = tempDirPerTest('open-or-rebuild');

  async function corruptedStore(): Promise<string> {
    const path = join(temp.dir(), 'orders-3');
    const store = await RocksdbStore.open(path);
    await store.write({ puts: someEntries(1_000), deletes: [], offset: 999n });
    await store.close();
    await writeFile(join(path, 'CURRENT'), 'garbage without a newline');
    return path;
  }

  void it('wipes a corrupted store, logs that it did, and opens it empty for a restore', async () => {
    const path = await corruptedStore();
    const { logger, records } = captureLogger();
    const store = await openOrRebuild('rocksdb://', { path, logger });
    try {
      assert.equal(await store.offset(), undefined);
      assert.equal(await store.get(Buffer.from('key-00000001')), undefined);
      await store.write({ puts: [[Buffer.from('k'), Buffer.from('v')]], deletes: [], offset: 0n });
      assert.equal(await store.offset(), 0n);
    } finally {
      await store.close();
    }
    const wipe = records.find((record) => record.action === 'wipe-and-rebuild');
    assert.ok(wipe !== undefined, `a wipe line was logged: ${JSON.stringify(records)}`);
    assert.equal(wipe.level, 40, 'at warn level');
    assert.equal(wipe.store, path);
    assert.equal(wipe.code, 'STREAMD_STORE_CORRUPTED');
    assert.match(wipe.msg, /corrupted.*wiping.*rebuilt from its changelog/);
  });

  void it('opens a healthy store as it is, without wiping or logging', async () => {
    const path = join(temp.dir(), 'orders-4');
    const store = await RocksdbStore.open(path);
    await store.write({ puts: [[Buffer.from('k'), Buffer.from('v')]], deletes: [], offset: 4n });
    await store.close();
    const { logger, records } = captureLogger();
    const reopened = await openOrRebuild('rocksdb://', { path, logger });
    try {
      assert.equal(await reopened.offset(), 4n);
      assert.deepEqual(await reopened.get(Buffer.from('k')), Buffer.from('v'));
    } finally {
      await reopened.close();
    }
    assert.deepEqual(records, []);
  });

  void it('does not wipe a store that another opener holds: it rethrows the StoreIOError', async () => {
    const path = join(temp.dir(), 'orders-5');
    const holder = await RocksdbStore.open(path);
    try {
      await holder.write({ puts: [[Buffer.from('k'), Buffer.from('v')]], deletes: [], offset: 5n });
      const { logger, records } = captureLogger();
      await assert.rejects(openOrRebuild('rocksdb://', { path, logger }), { code: 'STREAMD_STORE_IO', retriable: true });
      assert.deepEqual(records, []);
      assert.ok((await storeFiles(path)).some((file) => file.name === 'CURRENT'), 'the files are still there');
      assert.equal(await holder.offset(), 5n);
    } finally {
      await holder.close();
    }
  });
});
