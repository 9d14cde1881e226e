// RocksdbStore.open on damaged files: corruption rejects with StoreCorruptedError (wipe and restore),
// trouble that wiping cannot cure (a store held by another opener) with StoreIOError.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import RocksDB from 'rocksdb-native';
import { StoreCorruptedError, StoreIOError } from '../../../src/errors/index.js';
import { RocksdbStore } from '../../../src/stores/index.js';
import { someEntries, storeFiles, tempDirPerTest } from './fixture.js';

/** A store at `<dir>/orders-0` holding 50k entries and offset 49,999, closed. */
async function writtenStore(dir: string): Promise<string> {
  const path = join(dir, 'orders-0');
  const store = await RocksdbStore.open(path);
  await store.write({ puts: someEntries(50_000), deletes: [], offset: 49_999n });
  await store.close();
  return path;
}

void describe('RocksdbStore on damaged files', () => {
  const temp = tempDirPerTest('rocksdb-corruption');

  void it('flushes its memtables into an SST file on close, leaving the WAL empty', async () => {
    const path = await writtenStore(temp.dir());
    const files = await storeFiles(path);
    assert.ok(files.some((file) => file.name.endsWith('.sst') && file.size > 1_000_000), `an SST file holds the data: ${JSON.stringify(files)}`);
    assert.deepEqual(files.filter((file) => file.name.endsWith('.log') && file.size > 0), [], 'no WAL left to replay');
  });

  void it('rejects with StoreCorruptedError when the largest SST file is truncated', async () => {
    const path = await writtenStore(temp.dir());
    const ssts = (await storeFiles(path)).filter((file) => file.name.endsWith('.sst')).sort((a, b) => b.size - a.size);
    const largest = ssts[0];
    assert.ok(largest !== undefined, 'there is an SST file to truncate');
    await truncate(join(path, largest.name), Math.floor(largest.size / 2));
    await assert.rejects(RocksdbStore.open(path), (err: unknown) => {
      assert.ok(err instanceof StoreCorruptedError);
      assert.equal(err.code, 'STREAMD_STORE_CORRUPTED');
      assert.equal(err.path, path);
      assert.match(err.message, /size mismatch/);
      assert.match(err.message, /restore it from the changelog/);
      return true;
    });
  });

  void it('rejects with StoreCorruptedError when CURRENT holds garbage', async () => {
    const path = await writtenStore(temp.dir());
    await writeFile(join(path, 'CURRENT'), randomBytes(64));
    await assert.rejects(RocksdbStore.open(path), { code: 'STREAMD_STORE_CORRUPTED', path });
  });

  void it('rejects with StoreCorruptedError when CURRENT names a MANIFEST that is gone', async () => {
    const path = await writtenStore(temp.dir());
    await writeFile(join(path, 'CURRENT'), 'MANIFEST-999999\n');
    await assert.rejects(RocksdbStore.open(path), { code: 'STREAMD_STORE_CORRUPTED', path });
  });

  void it('rejects with StoreCorruptedError when an SST file is missing', async () => {
    const path = await writtenStore(temp.dir());
    for (const file of await storeFiles(path)) if (file.name.endsWith('.sst')) await rm(join(path, file.name));
    await assert.rejects(RocksdbStore.open(path), { code: 'STREAMD_STORE_CORRUPTED' });
  });

  void it('rejects with StoreCorruptedError when the offset record is not an offset', async () => {
    const path = join(temp.dir(), 'orders-1');
    const raw = new RocksDB(path);
    await raw.ready();
    const write = raw.write();
    try {
      write.tryPut(Buffer.concat([Buffer.from([0x00]), Buffer.from('changelog-offset')]), Buffer.from('12'));
      await write.flush();
    } finally {
      write.destroy();
    }
    await raw.close();
    await assert.rejects(RocksdbStore.open(path), (err: unknown) => {
      assert.ok(err instanceof StoreCorruptedError);
      assert.match(err.message, /offset record holds 2 bytes/);
      return true;
    });
  });

  void it('rejects with a retriable StoreIOError, not corruption, while another opener holds the store', async () => {
    const path = join(temp.dir(), 'orders-2');
    const first = await RocksdbStore.open(path);
    try {
      await assert.rejects(RocksdbStore.open(path), (err: unknown) => {
        assert.ok(err instanceof StoreIOError, `got ${String(err)}`);
        assert.equal(err.code, 'STREAMD_STORE_IO');
        assert.equal(err.retriable, true);
        return true;
      });
    } finally {
      await first.close();
    }
    const again = await RocksdbStore.open(path);
    await again.close();
  });
});
