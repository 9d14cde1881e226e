// TableQueries over real table runtimes and in-memory partitions: a key's partition is murmur2 of
// its encoded key, the owner comes from the cluster assignment's changelog actives, reads and
// scans see only the partitions held here, and a scan pages by key.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import type { ClusterAssignment } from '../../../src/assignor/index.js';
import { partitionForKey } from '../../../src/kafka/index.js';
import type { TableDeclaration } from '../../../src/manifest/index.js';
import { createTopicCodecs } from '../../../src/models/index.js';
import { MemoryStore } from '../../../src/stores/index.js';
import { TablePositions } from '../../../src/tables/index.js';
import { TablePartition } from '../../../src/tables/table-partition.js';
import { TableRuntime } from '../../../src/tables/table-runtime.js';
import { createTableQueries } from '../../../src/worker/table-queries.js';

const CHANGELOG = 'app-page_counts-changelog';
const declaration: TableDeclaration = {
  name: 'page_counts',
  kind: 'table',
  keyType: { kind: 'builtin', name: 'string' },
  valueType: { kind: 'builtin', name: 'integer' },
  defaultValue: 0,
  isGlobal: false,
  standbyReplicas: 0,
  location: { file: 'app.yaml', line: 1, column: 1 },
};

const partitionOf = (key: string): number => partitionForKey(Buffer.from(key), 4);

/** `count` keys "/x<i>" of `partition` ("/x0" first). */
function keysOf(partition: number, count: number): string[] {
  const keys: string[] = [];
  for (let i = 0; keys.length < count; i++) if (partitionOf(`/x${i}`) === partition) keys.push(`/x${i}`);
  return keys;
}

/** page_counts with 4 partitions, of which this worker holds those of "/home", "/about" and "/x0" (with 3 "/x" keys). */
function setup(cluster?: ClusterAssignment): { queries: ReturnType<typeof createTableQueries>; runtime: TableRuntime } {
  const runtime = new TableRuntime({
    declaration,
    changelog: CHANGELOG,
    codecs: createTopicCodecs({ keyType: 'string', valueType: 'integer' }),
    partitionsOf: () => 4,
    log: pino({ level: 'silent' }),
  });
  runtime.partitionCount = 4;
  for (const p of new Set([partitionOf('/home'), partitionOf('/about'), partitionOf('/x0')])) {
    runtime.partitions.set(p, new TablePartition('page_counts', p, new MemoryStore(`mem/page_counts-${p}`), new TablePositions()));
  }
  // As the agents' writes would be, committable: writes outside an event go to a global table only.
  for (const [key, value] of [['/home', 3], ['/about', 1], ...keysOf(partitionOf('/x0'), 3).map((k) => [k, 5] as const)] as const) {
    runtime.partitions.get(partitionOf(key))!.put(runtime.key.encode(key)!, runtime.value.encode(value), undefined);
  }
  const queries = createTableQueries({ tables: { runtimes: new Map([['page_counts', runtime]]) }, cluster: () => cluster, url: 'http://a:6066' });
  return { queries, runtime };
}

/** A key whose partition this worker does not hold. */
function remoteKey(runtime: TableRuntime): string {
  for (let i = 0; ; i++) if (!runtime.partitions.has(partitionOf(`/p${i}`))) return `/p${i}`;
}

describe('TableQueries', () => {
  it('lists a table with its partitions, changelog, default and the partitions held here', () => {
    const { queries, runtime } = setup();
    const [info] = queries.list();
    assert.deepEqual(info, {
      name: 'page_counts',
      kind: 'table',
      isGlobal: false,
      keyType: 'string',
      partitions: 4,
      changelog: CHANGELOG,
      localPartitions: [...runtime.partitions.keys()].sort((a, b) => a - b),
      hasDefault: true,
      defaultValue: 0,
    });
    assert.equal(queries.info('nope'), undefined);
    assert.throws(() => queries.locate('nope', 'x'), { code: 'STREAMD_UNKNOWN_TABLE' });
  });

  it('locates a key by murmur2 of its encoded key and reads it when held here', async () => {
    const { queries } = setup();
    assert.deepEqual(queries.locate('page_counts', '/home'), { partition: partitionOf('/home'), isLocal: true, ownerUrl: undefined });
    assert.deepEqual(await queries.read('page_counts', '/home'), { found: true, value: 3 });
    assert.deepEqual(await queries.read('page_counts', '/about'), { found: true, value: 1 });
  });

  it('names the owner of a partition held elsewhere from the cluster assignment, and refuses to read it', async () => {
    const probe = setup();
    const key = remoteKey(probe.runtime);
    const partition = partitionOf(key);
    const cluster: ClusterAssignment = {
      memberId: 'a',
      actives: [],
      standbys: [],
      copartitionGroups: [],
      members: [{ memberId: 'b', url: 'http://b:6066', actives: [{ topic: CHANGELOG, partition }], standbys: [] }],
    };
    const { queries } = setup(cluster);
    assert.deepEqual(queries.locate('page_counts', key), { partition, isLocal: false, ownerUrl: 'http://b:6066' });
    await assert.rejects(queries.read('page_counts', key), { code: 'STREAMD_TABLE_PARTITION_NOT_LOCAL' });
  });

  it('does not count a detached (revoked) partition as held', () => {
    const { queries, runtime } = setup();
    runtime.partitions.get(partitionOf('/home'))!.detach();
    assert.equal(queries.locate('page_counts', '/home').isLocal, false);
    assert.equal(queries.list()[0]!.localPartitions.includes(partitionOf('/home')), false);
  });

  it('scans the local partitions in pages, each starting after the key of the last one', async () => {
    const { queries } = setup();
    const seen: unknown[] = [];
    let page = await queries.scan('page_counts', 2);
    for (;;) {
      assert.ok(page.entries.length <= 2);
      seen.push(...page.entries.map((e) => e.key));
      if (!page.hasNext) break;
      page = await queries.scan('page_counts', 2, { key: page.next });
    }
    const expected = ['/about', '/home', ...keysOf(partitionOf('/x0'), 3)].sort();
    assert.deepEqual([...seen].sort(), expected);
    assert.deepEqual((await queries.scan('page_counts', 1000)).entries.map((e) => e.key), seen);
  });

  it('goes on at the next partition when the cursor key is gone', async () => {
    const { queries, runtime } = setup();
    const all = (await queries.scan('page_counts', 1000)).entries.map((e) => e.key as string);
    const cursor = all.find((k, i) => i + 1 < all.length && partitionOf(all[i + 1]!) !== partitionOf(k))!;
    runtime.partitions.get(partitionOf(cursor))!.put(runtime.key.encode(cursor)!, null, undefined);
    const next = await queries.scan('page_counts', 1000, { key: cursor });
    assert.deepEqual(next.entries.map((e) => e.key), all.slice(all.indexOf(cursor) + 1));
  });
});
