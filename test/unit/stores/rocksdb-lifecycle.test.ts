// RocksdbStore's close and crash behaviour: close never hangs on an iterator left open, waits for a
// write in flight, and a batch written before the process is killed comes back with its offset.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { RocksdbStore } from '../../../src/stores/index.js';
import { someEntries, tempDirPerTest, withinMs } from './fixture.js';

const CLOSE_DEADLINE_MS = 10_000;

void describe('RocksdbStore lifecycle', () => {
  const temp = tempDirPerTest('rocksdb-lifecycle');

  async function filledStore(): Promise<RocksdbStore> {
    const store = await RocksdbStore.open(join(temp.dir(), 'clicks-0'), { iteratorCapacity: 256 });
    await store.write({ puts: someEntries(5_000), deletes: [] });
    return store;
  }

  void it('closes after a for-await loop broke out of an iteration mid-way', async () => {
    const store = await filledStore();
    let seen = 0;
    for await (const _entry of store.iterate()) if (++seen === 300) break;
    assert.equal(seen, 300);
    await withinMs(store.close(), CLOSE_DEADLINE_MS, 'close after a broken-off iteration');
  });

  void it('closes while iterations are suspended mid-way and never resumed', async () => {
    const store = await filledStore();
    const first = store.iterate()[Symbol.asyncIterator]();
    const second = store.iterate({ reverse: true })[Symbol.asyncIterator]();
    await first.next();
    await second.next();
    await withinMs(store.close(), CLOSE_DEADLINE_MS, 'close with two suspended iterations');
  });

  void it('lets a write in flight finish before it closes', async () => {
    const store = await filledStore();
    const write = store.write({ puts: someEntries(20_000), deletes: [], offset: 19_999n });
    const closing = store.close();
    await write;
    await withinMs(closing, CLOSE_DEADLINE_MS, 'close with a write in flight');
    const reopened = await RocksdbStore.open(store.path);
    try {
      assert.equal(await reopened.offset(), 19_999n);
    } finally {
      await reopened.close();
    }
  });

  void it('rejects a get after close with an IllegalStateError, and getMany reads in one batch before it', async () => {
    const store = await filledStore();
    const keys = someEntries(5_000).map(([key]) => key);
    const values = await store.getMany([...keys, Buffer.from('absent')]);
    assert.equal(values.length, 5_001);
    assert.deepEqual(values[4_999], Buffer.alloc(100, 4_999 & 0xff));
    assert.equal(values[5_000], undefined);
    await store.close();
    await assert.rejects(store.get(keys[0] as Buffer), { code: 'STREAMD_ILLEGAL_STATE' });
  });

  void it('keeps a batch and its offset together when the process is killed right after the write', async () => {
    const path = join(temp.dir(), 'crash-0');
    const storesModule = new URL('../../../src/stores/index.js', import.meta.url).href;
    const script = [
      `const { RocksdbStore } = await import(${JSON.stringify(storesModule)});`,
      `const store = await RocksdbStore.open(${JSON.stringify(path)});`,
      `const puts = Array.from({ length: 1000 }, (_, i) => [Buffer.from('k' + i), Buffer.from('v' + i)]);`,
      `await store.write({ puts: puts.slice(0, 500), deletes: [], offset: 499n });`,
      `await store.write({ puts: puts.slice(500), deletes: [Buffer.from('k0')], offset: 999n });`,
      `process.kill(process.pid, 'SIGKILL');`,
    ].join('\n');
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'ignore', 'inherit'] });
    const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    assert.equal(signal, 'SIGKILL', `the child was killed, not exited (code ${code})`);
    const store = await RocksdbStore.open(path);
    try {
      assert.equal(await store.offset(), 999n);
      assert.equal(await store.get(Buffer.from('k0')), undefined);
      assert.deepEqual(await store.get(Buffer.from('k999')), Buffer.from('v999'));
      let count = 0;
      for await (const _entry of store.iterate()) count++;
      assert.equal(count, 999);
    } finally {
      await store.close();
    }
  });
});
