// Looking at a RocksDB store without changing it: the read-only open, the lock probe over /proc/locks,
// and inspectRocksdbStore's verdicts (ok, empty, in use, corrupted) with the bytes on disk.

import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { RocksdbStore, directoryBytes, inspectRocksdbStore, storeLockState } from '../../../src/stores/index.js';
import { someEntries, storeFiles, tempDirPerTest } from './fixture.js';

const s = (text: string): Buffer => Buffer.from(text);

/** A closed store at `<dir>/<name>` with 100 entries, `offset` and a meta blob. */
async function closedStore(dir: string, name: string, offset: bigint): Promise<string> {
  const path = join(dir, name);
  const store = await RocksdbStore.open(path);
  await store.write({ puts: someEntries(100), deletes: [], offset, meta: s('meta') });
  await store.close();
  return path;
}

void describe('RocksdbStore.openReadOnly', () => {
  const temp = tempDirPerTest('read-only');

  void it('reads data, offset and meta, and leaves every file of the store as it was', async () => {
    const path = await closedStore(temp.dir(), 'orders-0', 99n);
    const before = await storeFiles(path);
    const store = await RocksdbStore.openReadOnly(path);
    try {
      assert.equal(await store.offset(), 99n);
      assert.deepEqual(await store.meta(), s('meta'));
      assert.deepEqual(await store.get(s('key-00000007')), Buffer.alloc(100, 7));
    } finally {
      await store.close();
    }
    const sorted = (files: { name: string; size: number }[]): { name: string; size: number }[] => files.sort((a, b) => a.name.localeCompare(b.name));
    assert.deepEqual(sorted(await storeFiles(path)), sorted(before), 'same files, same sizes');
  });

  void it('refuses writes and destroy with IllegalStateError', async () => {
    const path = await closedStore(temp.dir(), 'orders-1', 1n);
    const store = await RocksdbStore.openReadOnly(path);
    try {
      await assert.rejects(store.write({ puts: [[s('a'), s('b')]], deletes: [] }), { code: 'STREAMD_ILLEGAL_STATE', message: /read-only/ });
      await assert.rejects(store.destroy(), { code: 'STREAMD_ILLEGAL_STATE', message: /read-only/ });
    } finally {
      await store.close();
    }
    assert.ok((await storeFiles(path)).some((file) => file.name === 'CURRENT'), 'the store is still there');
  });

  void it('opens a store another opener holds, seeing what it wrote so far', async () => {
    const path = join(temp.dir(), 'orders-2');
    const holder = await RocksdbStore.open(path);
    try {
      await holder.write({ puts: [[s('k'), s('v')]], deletes: [], offset: 12n });
      const reader = await RocksdbStore.openReadOnly(path);
      try {
        assert.equal(await reader.offset(), 12n);
      } finally {
        await reader.close();
      }
      await holder.write({ puts: [], deletes: [], offset: 13n });
      assert.equal(await holder.offset(), 13n, 'the holder is undisturbed');
    } finally {
      await holder.close();
    }
  });

  void it('rejects a directory without a database as corrupted, creating nothing', async () => {
    const path = join(temp.dir(), 'nothing-here');
    await assert.rejects(RocksdbStore.openReadOnly(path), { code: 'STREAMD_STORE_CORRUPTED' });
    assert.equal(await directoryBytes(path), 0);
  });
});

void describe('storeLockState', () => {
  const temp = tempDirPerTest('store-lock');

  void it('says a store is locked, and by this process, while it is open, and unlocked after close', async () => {
    const path = join(temp.dir(), 'orders-0');
    const store = await RocksdbStore.open(path);
    try {
      assert.deepEqual(await storeLockState(path), { isLocked: true, holderPid: process.pid });
    } finally {
      await store.close();
    }
    assert.deepEqual(await storeLockState(path), { isLocked: false });
  });

  void it('says a directory without a LOCK file is not locked', async () => {
    assert.deepEqual(await storeLockState(temp.dir()), { isLocked: false });
  });

  void it('says it cannot tell when there is no locks file to read', async () => {
    const path = await closedStore(temp.dir(), 'orders-1', 1n);
    assert.deepEqual(await storeLockState(path, join(temp.dir(), 'no-such-locks-file')), { isLocked: undefined });
  });
});

void describe('inspectRocksdbStore', () => {
  const temp = tempDirPerTest('store-inspection');

  void it('reports a closed store as ok, with its offset and its bytes on disk', async () => {
    const path = await closedStore(temp.dir(), 'orders-0', 41n);
    const inspection = await inspectRocksdbStore(path);
    const bytes = (await storeFiles(path)).reduce((sum, file) => sum + file.size, 0);
    assert.deepEqual(inspection, { path, bytes, status: 'ok', offset: 41n });
    assert.ok(bytes > 10_000, `the data is on disk: ${bytes} bytes`);
  });

  void it('reports a store without an offset record as ok with no offset', async () => {
    const path = join(temp.dir(), 'orders-1');
    await (await RocksdbStore.open(path)).close();
    assert.equal((await inspectRocksdbStore(path)).status, 'ok');
    assert.deepEqual(await inspectRocksdbStore(path), { path, bytes: await directoryBytes(path), status: 'ok', offset: undefined });
  });

  void it('reports a store another opener holds as in use, naming the holder, without opening it', async () => {
    const path = join(temp.dir(), 'orders-2');
    const holder = await RocksdbStore.open(path);
    try {
      const inspection = await inspectRocksdbStore(path);
      assert.equal(inspection.status, 'in-use');
      assert.equal(inspection.status === 'in-use' ? inspection.holderPid : undefined, process.pid);
      assert.ok(inspection.bytes > 0);
    } finally {
      await holder.close();
    }
  });

  void it('opens a held store read-only when the lock cannot be read, and still does not disturb it', async () => {
    const path = join(temp.dir(), 'orders-3');
    const holder = await RocksdbStore.open(path);
    try {
      await holder.write({ puts: [[s('k'), s('v')]], deletes: [], offset: 3n });
      const inspection = await inspectRocksdbStore(path, { locksFile: join(temp.dir(), 'no-such-locks-file') });
      assert.equal(inspection.status, 'ok');
      assert.equal(inspection.status === 'ok' ? inspection.offset : undefined, 3n);
      await holder.write({ puts: [], deletes: [], offset: 4n });
    } finally {
      await holder.close();
    }
  });

  void it('reports a store with a damaged CURRENT file as corrupted, with what RocksDB said', async () => {
    const path = await closedStore(temp.dir(), 'orders-4', 4n);
    await writeFile(join(path, 'CURRENT'), 'garbage without a newline');
    const inspection = await inspectRocksdbStore(path);
    assert.equal(inspection.status, 'corrupted');
    assert.match(inspection.status === 'corrupted' ? inspection.reason : '', /CURRENT file does not end with newline/);
  });

  void it('reports a directory without a database as empty', async () => {
    const path = join(temp.dir(), 'orders-5');
    await mkdir(path);
    assert.deepEqual(await inspectRocksdbStore(path), { path, bytes: 0, status: 'empty' });
  });
});

void describe('directoryBytes', () => {
  const temp = tempDirPerTest('directory-bytes');

  void it('sums the files under a directory, nested ones included, and says 0 for a missing one', async () => {
    await mkdir(join(temp.dir(), 'a', 'b'), { recursive: true });
    await writeFile(join(temp.dir(), 'one'), Buffer.alloc(10));
    await writeFile(join(temp.dir(), 'a', 'b', 'two'), Buffer.alloc(32));
    assert.equal(await directoryBytes(temp.dir()), 42);
    assert.equal(await directoryBytes(join(temp.dir(), 'missing')), 0);
  });
});
