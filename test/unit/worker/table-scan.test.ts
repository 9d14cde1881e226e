// Paged table scans over a real RocksDB store: a page after a key late in a big table reads about
// `limit` entries from the store (it seeks, it does not walk from the first key), and the write-back
// cache's keys come in key order among the store's.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import type { TableDeclaration } from '../../../src/manifest/index.js';
import { createTopicCodecs } from '../../../src/models/index.js';
import { RocksdbStore, type KeyRange, type Store } from '../../../src/stores/index.js';
import { TablePositions } from '../../../src/tables/index.js';
import { TablePartition } from '../../../src/tables/table-partition.js';
import { TableRuntime } from '../../../src/tables/table-runtime.js';
import { createTableQueries } from '../../../src/worker/table-queries.js';

const KEYS = 20_000;
const LIMIT = 10;
const keyOf = (i: number): string => `k${String(i).padStart(6, '0')}`;

const declaration: TableDeclaration = {
  name: 'counts',
  kind: 'table',
  keyType: { kind: 'builtin', name: 'string' },
  valueType: { kind: 'builtin', name: 'integer' },
  isGlobal: false,
  standbyReplicas: 0,
  location: { file: 'app.yaml', line: 1, column: 1 },
};

/** The store, counting the entries its iterations yield. */
function counting(store: Store): { store: Store; reads: () => number; reset: () => void } {
  let reads = 0;
  const wrapped: Store = {
    path: store.path,
    get: (key) => store.get(key),
    getMany: (keys) => store.getMany(keys),
    write: (batch) => store.write(batch),
    offset: () => store.offset(),
    meta: () => store.meta(),
    async *iterate(range?: KeyRange) {
      for await (const entry of store.iterate(range)) {
        reads++;
        yield entry;
      }
    },
    close: () => store.close(),
    destroy: () => store.destroy(),
  };
  return { store: wrapped, reads: () => reads, reset: () => void (reads = 0) };
}

describe('paged table scans', () => {
  let dir = '';
  let rocksdb: RocksdbStore;
  let counted: ReturnType<typeof counting>;
  let runtime: TableRuntime;
  let queries: ReturnType<typeof createTableQueries>;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'streamd-table-scan-'));
    rocksdb = await RocksdbStore.open(join(dir, 'counts-0'));
    const puts: [Buffer, Buffer][] = [];
    for (let i = 0; i < KEYS; i += 2) puts.push([Buffer.from(keyOf(i)), Buffer.from(String(i))]);
    await rocksdb.write({ puts, deletes: [], offset: BigInt(puts.length) });
    counted = counting(rocksdb);
    runtime = new TableRuntime({ declaration, changelog: 'app-counts-changelog', codecs: createTopicCodecs({ keyType: 'string', valueType: 'integer' }), partitionsOf: () => 1, log: pino({ level: 'silent' }) });
    runtime.partitionCount = 1;
    const partition = new TablePartition('counts', 0, counted.store, new TablePositions());
    runtime.partitions.set(0, partition);
    // Odd keys only in the write-back cache (committable, not in the store yet), and one store key deleted there.
    for (const i of [1, 18_001, 18_003, 19_999]) partition.put(Buffer.from(keyOf(i)), Buffer.from(String(i)), undefined);
    partition.put(Buffer.from(keyOf(18_004)), null, undefined);
    queries = createTableQueries({ tables: { runtimes: new Map([['counts', runtime]]) }, cluster: () => undefined, url: 'http://a:6066' });
  });
  after(async () => {
    await rocksdb.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('reads about limit entries for a page after a key late in a big table, not every key before it', async () => {
    counted.reset();
    const page = await queries.scan('counts', LIMIT, { key: keyOf(18_000) });
    assert.deepEqual(
      page.entries.map((e) => e.key),
      [18_001, 18_002, 18_003, 18_006, 18_008, 18_010, 18_012, 18_014, 18_016, 18_018].map(keyOf),
      'the cache keys in order among the store keys, the deleted one left out',
    );
    assert.deepEqual(page.entries[0], { key: keyOf(18_001), value: 18_001 });
    assert.equal(page.hasNext, true);
    console.log(`a page of ${LIMIT} after key ${keyOf(18_000)} of ${KEYS / 2} stored read ${counted.reads()} store entries`);
    assert.ok(counted.reads() <= LIMIT + 2, `a page of ${LIMIT} read ${counted.reads()} store entries (the table holds ${KEYS / 2})`);
  });

  it('starts at the next key when the cursor key is not in the table, and ends at the last key', async () => {
    const page = await queries.scan('counts', LIMIT, { key: keyOf(19_995) });
    assert.deepEqual(page.entries.map((e) => e.key), [19_996, 19_998, 19_999].map(keyOf));
    assert.equal(page.hasNext, false);
  });

  it('pages through the whole table once, in key order', async () => {
    const seen: unknown[] = [];
    let page = await queries.scan('counts', 1000);
    for (;;) {
      seen.push(...page.entries.map((e) => e.key));
      if (!page.hasNext) break;
      page = await queries.scan('counts', 1000, { key: page.next });
    }
    const expected = [...Array.from({ length: KEYS / 2 }, (_, i) => i * 2).filter((i) => i !== 18_004), 1, 18_001, 18_003, 19_999].sort((a, b) => a - b).map(keyOf);
    assert.deepEqual(seen, expected);
  });
});
