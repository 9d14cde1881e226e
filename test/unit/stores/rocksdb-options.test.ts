// The RocksDB options a store is opened with reach RocksDB: the OPTIONS file RocksDB writes into the
// store's directory at open records the memtable size and count and whether the block cache is off,
// and a store with small memtables flushes them to SST files while one with large memtables keeps them.

import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULT_ROCKSDB_OPTIONS, RocksdbStore, type RocksdbOptions } from '../../../src/stores/index.js';
import { tempDirPerTest } from './fixture.js';

/** The `name=value` lines of the newest OPTIONS file of a RocksDB directory. */
async function rocksdbOptionsFile(path: string): Promise<Map<string, string>> {
  const newest = (await readdir(path)).filter((f) => f.startsWith('OPTIONS-')).sort((a, b) => Number(a.slice(8)) - Number(b.slice(8))).at(-1);
  assert.ok(newest !== undefined, `no OPTIONS file in ${path}`);
  const lines = (await readFile(join(path, newest), 'utf8')).split('\n').map((line) => line.trim());
  return new Map(lines.filter((line) => line.includes('=')).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
}

async function openedWith(path: string, options: RocksdbOptions): Promise<Map<string, string>> {
  const store = await RocksdbStore.open(path, options);
  try {
    return await rocksdbOptionsFile(path);
  } finally {
    await store.close();
  }
}

/** Writes `megabytes` of 1 KiB values in writes of 256 entries. */
async function fill(store: RocksdbStore, megabytes: number): Promise<void> {
  const value = Buffer.alloc(1024, 7);
  for (let n = 0; n < megabytes * 1024; n += 256) {
    const puts: [Buffer, Buffer][] = [];
    for (let i = n; i < n + 256; i++) puts.push([Buffer.from(`key-${String(i).padStart(8, '0')}`), value]);
    await store.write({ puts, deletes: [], offset: BigInt(n) });
  }
}

void describe('RocksdbStore options', () => {
  const temp = tempDirPerTest('rocksdb-options');

  void it('opens RocksDB with the memtable size and count it is given', async () => {
    const tuned = await openedWith(join(temp.dir(), 'tuned-0'), { writeBufferSize: 1024 * 1024, maxWriteBufferNumber: 3 });
    assert.equal(tuned.get('write_buffer_size'), String(1024 * 1024));
    assert.equal(tuned.get('max_write_buffer_number'), '3');
    const defaults = await openedWith(join(temp.dir(), 'defaults-0'), {});
    assert.equal(defaults.get('write_buffer_size'), String(DEFAULT_ROCKSDB_OPTIONS.writeBufferSize));
    assert.equal(defaults.get('max_write_buffer_number'), String(DEFAULT_ROCKSDB_OPTIONS.maxWriteBufferNumber));
  });

  void it('opens RocksDB without a block cache when blockCache is false', async () => {
    assert.equal((await openedWith(join(temp.dir(), 'uncached-0'), { blockCache: false })).get('no_block_cache'), 'true');
    assert.equal((await openedWith(join(temp.dir(), 'cached-0'), { blockCache: true })).get('no_block_cache'), 'false');
    const cached = await RocksdbStore.open(join(temp.dir(), 'read-0'), { blockCache: true, writeBufferSize: 256 * 1024 });
    try {
      await fill(cached, 1);
    } finally {
      await cached.close();
    }
    const reopened = await RocksdbStore.open(join(temp.dir(), 'read-0'), { blockCache: true });
    try {
      await reopened.getMany(Array.from({ length: 100 }, (_, i) => Buffer.from(`key-${String(i * 10).padStart(8, '0')}`)));
      assert.ok((await reopened.memoryUsage()).blockCacheBytes > 0, 'reads from SST files fill the block cache');
    } finally {
      await reopened.close();
    }
  });

  void it('holds at most the memtables it is allowed: small ones are flushed to SST files as writes come in', async () => {
    const small = await RocksdbStore.open(join(temp.dir(), 'small-0'), { writeBufferSize: 256 * 1024, maxWriteBufferNumber: 2 });
    const large = await RocksdbStore.open(join(temp.dir(), 'large-0'), { writeBufferSize: 64 * 1024 * 1024 });
    try {
      await fill(small, 4);
      await fill(large, 4);
      const smallMemtables = (await small.memoryUsage()).memtableBytes;
      const largeMemtables = (await large.memoryUsage()).memtableBytes;
      assert.ok(largeMemtables > 4 * 1024 * 1024, `64 MiB memtables hold all 4 MiB written: ${largeMemtables} bytes`);
      assert.ok(smallMemtables < 2 * 1024 * 1024, `two 256 KiB memtables hold under 2 MiB of the 4 MiB written: ${smallMemtables} bytes`);
    } finally {
      await Promise.all([small.close(), large.close()]);
    }
  });
});
