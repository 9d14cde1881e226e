// Changelog records into a table partition's store: the key in the table's encoding (a header-less
// record is the old JSON encoding, re-encoded), a tombstone deletes the key; and the warning about a
// re-encoded key that hashes to another partition now. Recovery, standbys and global followers all
// apply changelog batches this way.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { partitionForKey, type ConsumerRecord, type RecordBatch } from '../../../src/kafka/index.js';
import type { TableDeclaration } from '../../../src/manifest/index.js';
import { createTopicCodecs } from '../../../src/models/index.js';
import { MemoryStore, RocksdbStore, type Store } from '../../../src/stores/index.js';
import { applyChangelogBatch, applyChangelogInWrites } from '../../../src/tables/apply-changelog.js';
import { KEY_ENCODING_HEADER, POSITIONS_HEADER, TablePositions } from '../../../src/tables/index.js';
import { TableRuntime } from '../../../src/tables/table-runtime.js';
import { captureLogger, tempDirPerTest } from '../stores/fixture.js';
import { join } from 'node:path';

const TOPIC = 'app-counts-changelog';
const declaration: TableDeclaration = {
  name: 'counts',
  kind: 'table',
  keyType: { kind: 'builtin', name: 'string' },
  valueType: { kind: 'builtin', name: 'integer' },
  isGlobal: false,
  standbyReplicas: 0,
  location: { file: 'app.yaml', line: 1, column: 1 },
};

function runtime(): { runtime: TableRuntime; records: ReturnType<typeof captureLogger>['records'] } {
  const { logger, records } = captureLogger();
  const table = new TableRuntime({ declaration, changelog: TOPIC, codecs: createTopicCodecs({ keyType: 'string', valueType: 'integer' }), partitionsOf: () => 4, log: logger });
  table.partitionCount = 4;
  return { runtime: table, records };
}

let offset = 0n;
function changelogRecord(partition: number, key: string, value: string | null, encoding?: string): ConsumerRecord {
  return {
    topic: TOPIC,
    partition,
    offset: offset++,
    key: Buffer.from(key),
    value: value === null ? null : Buffer.from(value),
    headers: encoding === undefined ? {} : { [KEY_ENCODING_HEADER]: Buffer.from(encoding) },
    timestamp: 0,
  };
}

function batch(partition: number, records: ConsumerRecord[]): RecordBatch {
  const nextOffset = records.at(-1)!.offset + 1n;
  return { topic: TOPIC, partition, records, nextOffset, highWatermark: nextOffset };
}

async function contents(store: Store): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for await (const [key, value] of store.iterate()) out[key.toString()] = value.toString();
  return out;
}

describe('applyChangelogBatch', () => {
  const temp = tempDirPerTest('apply-changelog');

  it('stores new records under their key bytes, re-encodes header-less (old JSON) keys, and deletes on a tombstone', async () => {
    const { runtime: table } = runtime();
    const store = new MemoryStore('mem/counts-0');
    const p = partitionForKey(Buffer.from('/a'), 4);
    await applyChangelogBatch(store, new TablePositions(), batch(p, [
      changelogRecord(p, '"/a"', '3'),
      changelogRecord(p, '"/gone"', '7'),
      changelogRecord(p, '/b', '5', 'string'),
    ]), table.changelogKeys(p));
    assert.deepEqual(await contents(store), { '/a': '3', '/b': '5', '/gone': '7' });
    // Later batches: an old-format tombstone and a new-format one delete the same keys as their new-format puts.
    await applyChangelogBatch(store, new TablePositions(), batch(p, [changelogRecord(p, '"/gone"', null), changelogRecord(p, '/b', null, 'string'), changelogRecord(p, '/a', '4', 'string')]), table.changelogKeys(p));
    assert.deepEqual(await contents(store), { '/a': '4' });
  });

  it('leaves each key at its last record in the batch, with or without tombstones in it, and takes the positions of the last record that carries them', async () => {
    const { runtime: table } = runtime();
    for (const [name, store] of [['memory', new MemoryStore('mem/counts-9')], ['rocksdb', await RocksdbStore.open(join(temp.dir(), 'counts-9'))]] as const) {
      try {
        const positions = new TablePositions();
        const at = (n: number): Buffer => {
          const p = new TablePositions();
          p.advanceSource('clicks', BigInt(n));
          return p.encode();
        };
        const put = (key: string, value: string, n?: number): ConsumerRecord => ({ ...changelogRecord(1, key, value, 'string'), ...(n === undefined ? {} : { headers: { [KEY_ENCODING_HEADER]: Buffer.from('string'), [POSITIONS_HEADER]: at(n) } }) });
        await applyChangelogBatch(store, positions, batch(1, [put('a', '1', 10), put('b', '2'), put('a', '3', 20), put('b', '4')]), table.changelogKeys(1));
        assert.deepEqual(await contents(store), { a: '3', b: '4' }, `${name}: puts only`);
        assert.deepEqual(TablePositions.decode(await store.meta()).encode(), at(20), `${name}: positions of the last record with the header`);
        await applyChangelogBatch(store, positions, batch(1, [put('a', '5'), changelogRecord(1, 'a', null, 'string'), put('b', '6'), changelogRecord(1, 'c', null, 'string'), put('c', '7'), put('b', '8')]), table.changelogKeys(1));
        assert.deepEqual(await contents(store), { b: '8', c: '7' }, `${name}: with tombstones`);
      } finally {
        await store.close();
      }
    }
  });

  it('keeps a key that is not JSON as it is, and warns once per partition of an old key that hashes elsewhere now', async () => {
    const { runtime: table, records } = runtime();
    const store = new MemoryStore('mem/counts-1');
    const misplaced = ['/x1', '/x2', '/x3', '/x4', '/x5', '/x6'].filter((k) => partitionForKey(Buffer.from(k), 4) !== 0);
    await applyChangelogBatch(store, new TablePositions(), batch(0, [changelogRecord(0, 'not json', '1'), ...misplaced.map((k) => changelogRecord(0, JSON.stringify(k), '2'))]), table.changelogKeys(0));
    assert.equal((await contents(store))['not json'], '1');
    const warnings = records.filter((r) => r.msg.startsWith('recovered table key belongs to another partition'));
    assert.equal(warnings.length, 1, 'one warning for the partition');
    assert.equal(warnings[0]!['partition'], 0);
    assert.equal(warnings[0]!['key'], misplaced[0]);
  });
});

describe('applyChangelogInWrites (settings.recoveryBufferSize)', () => {
  it('applies a batch of 10 records as store writes of at most 4, each carrying the offset of its last record', async () => {
    const { runtime: table } = runtime();
    const store = new MemoryStore('mem/counts-2');
    const writes: { size: number; offset: bigint | undefined }[] = [];
    const write = store.write.bind(store);
    store.write = (w) => {
      writes.push({ size: w.puts.length + w.deletes.length, offset: w.offset });
      return write(w);
    };
    const records = Array.from({ length: 10 }, (_, i) => changelogRecord(2, `k${i}`, String(i), 'string'));
    const last = await applyChangelogInWrites(store, new TablePositions(), batch(2, records), table.changelogKeys(2), 4);
    assert.deepEqual(writes.map((w) => w.size), [4, 4, 2]);
    assert.deepEqual(writes.map((w) => w.offset), [records[3]!.offset, records[7]!.offset, records[9]!.offset]);
    assert.equal(last, records[9]!.offset);
    assert.equal(await store.offset(), records[9]!.offset);
    assert.equal(Object.keys(await contents(store)).length, 10);
  });

  it('applies a batch within the size as one write', async () => {
    const { runtime: table } = runtime();
    const store = new MemoryStore('mem/counts-3');
    let writes = 0;
    const write = store.write.bind(store);
    store.write = (w) => {
      writes += 1;
      return write(w);
    };
    await applyChangelogInWrites(store, new TablePositions(), batch(1, [changelogRecord(1, 'a', '1', 'string'), changelogRecord(1, 'b', '2', 'string')]), table.changelogKeys(1), 1000);
    assert.equal(writes, 1);
  });
});
