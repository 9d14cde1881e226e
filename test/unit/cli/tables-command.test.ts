// `streamd tables` in-process: the manifest's tables and, under a temp --datadir, real RocksDB partition
// stores in every state (with an offset, without one, held by an opener, corrupted, undeclared).

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { runCli } from '../../../src/cli/index.js';
import type { TablesReport } from '../../../src/cli/tables-command.js';
import { RocksdbStore, type Store } from '../../../src/stores/index.js';
import { tableStorePath } from '../../../src/worker/index.js';
import { cliFixture, fakeIo, inspectDeps } from './fixture.js';

const deps = inspectDeps;

const MANIFEST = cliFixture('tables.yaml');

async function run(argv: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const fake = fakeIo({ env });
  const code = await runCli(argv, fake.io, deps);
  return { code, stdout: fake.stdout(), stderr: fake.stderr() };
}

describe('streamd tables', () => {
  let datadir = '';
  let held: Store[] = [];
  /** The fixture app's store path for a table partition under this test's datadir. */
  const storePath = (table: string, partition: number): string => tableStorePath({ datadir, id: 'tables-test', version: 2 }, table, partition);

  async function writeStore(table: string, partition: number, offset?: bigint): Promise<string> {
    const path = storePath(table, partition);
    const store = await RocksdbStore.open(path);
    await store.write({ puts: [[Buffer.from('k'), Buffer.from('1')]], deletes: [], ...(offset === undefined ? {} : { offset }) });
    await store.close();
    return path;
  }

  beforeEach(async () => {
    datadir = await mkdtemp(join(tmpdir(), 'streamd-tables-'));
    held = [];
  });
  afterEach(async () => {
    await Promise.allSettled(held.map((store) => store.close()));
    await rm(datadir, { recursive: true, force: true });
  });

  it('lists each table with its kind, types, default, changelog, partitions and standbys', async () => {
    const { code, stdout, stderr } = await run(['tables', '--manifest', MANIFEST, '--datadir', datadir, '--json']);
    assert.equal(code, 0, stderr);
    const report = JSON.parse(stdout) as TablesReport;
    assert.equal(report.app, 'tables-test');
    assert.equal(report.version, 2);
    assert.equal(report.hasLocalState, true);
    assert.equal(report.tablesDir, join(datadir, 'tables-test', 'v2', 'tables'));
    const byName = new Map(report.tables.map((table) => [table.name, table]));
    assert.deepEqual([...byName.keys()], ['counts', 'visitors', 'settings', 'per_minute', 'hits', 'hits-2']);
    assert.deepEqual(byName.get('counts'), {
      name: 'counts', kind: 'table', global: false, keyType: 'string', valueType: 'integer', default: 0, window: null,
      changelog: 'tables-test-v2-counts-changelog', partitions: 'source', standbyReplicas: 1, stores: [],
    });
    assert.deepEqual({ ...byName.get('visitors'), stores: undefined }, {
      name: 'visitors', kind: 'set', global: false, keyType: 'string', valueType: 'string', default: null, window: null,
      changelog: 'tables-test-v2-visitors-changelog', partitions: 4, standbyReplicas: 0, stores: undefined,
    });
    assert.equal(byName.get('settings')?.global, true);
    assert.equal(byName.get('per_minute')?.window, 'tumbling 1m, expires 1h');
  });

  it('reports each partition store on disk: bytes, the changelog offset it holds, none when it has none', async () => {
    await writeStore('counts', 0, 41n);
    await writeStore('counts', 1);
    await writeStore('hits', 2, 7n);
    await writeStore('hits-2', 0, 9n);
    const { code, stdout, stderr } = await run(['tables', '--manifest', MANIFEST, '--datadir', datadir, '--json']);
    assert.equal(code, 0, stderr);
    const report = JSON.parse(stdout) as TablesReport;
    const stores = (name: string): { partition: number; offset: string | null; status: string }[] =>
      (report.tables.find((table) => table.name === name)?.stores ?? []).map(({ partition, offset, status }) => ({ partition, offset, status }));
    assert.deepEqual(stores('counts'), [{ partition: 0, offset: '41', status: 'ok' }, { partition: 1, offset: null, status: 'ok' }]);
    assert.deepEqual(stores('hits'), [{ partition: 2, offset: '7', status: 'ok' }], 'hits-2 is partition 2 of hits');
    assert.deepEqual(stores('hits-2'), [{ partition: 0, offset: '9', status: 'ok' }], 'hits-2-0 is partition 0 of hits-2');
    assert.deepEqual(stores('visitors'), []);
    const first = report.tables[0]?.stores[0];
    assert.equal(first?.path, storePath('counts', 0));
    assert.ok((first?.bytes ?? 0) > 0, 'a store on disk has bytes');
    assert.deepEqual(report.undeclared, []);
  });

  it('reports a store a worker holds as in use and a damaged one as corrupted, and still exits 0', async () => {
    await writeStore('counts', 0, 41n);
    const holder = await RocksdbStore.open(storePath('counts', 1));
    held.push(holder);
    await holder.write({ puts: [], deletes: [], offset: 5n });
    const damaged = await writeStore('visitors', 3, 3n);
    await writeFile(join(damaged, 'CURRENT'), 'garbage without a newline');
    await writeStore('removed_table', 0, 1n);

    const json = await run(['tables', '--manifest', MANIFEST, '--datadir', datadir, '--json']);
    assert.equal(json.code, 0, json.stderr);
    const report = JSON.parse(json.stdout) as TablesReport;
    const counts = report.tables.find((table) => table.name === 'counts')?.stores;
    assert.deepEqual(counts?.map((store) => [store.partition, store.status, store.offset, store.holderPid]), [[0, 'ok', '41', undefined], [1, 'in-use', null, process.pid]]);
    const visitors = report.tables.find((table) => table.name === 'visitors')?.stores[0];
    assert.equal(visitors?.status, 'corrupted');
    assert.match(visitors?.reason ?? '', /CURRENT file does not end with newline/);
    assert.deepEqual(report.undeclared, ['removed_table-0']);
    assert.equal(await holder.offset(), 5n, 'the holder is undisturbed');

    const human = await run(['tables', '--manifest', MANIFEST, '--datadir', datadir]);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^┌Tables─/m);
    assert.match(human.stdout, /^┌Local state─/m);
    assert.match(human.stdout, /│ counts +│ +0 │ +\d+ │ +41 │ ok +│/);
    assert.match(human.stdout, new RegExp(`│ counts +│ +1 │ +\\d+ │ +- │ in use \\(pid ${process.pid}\\) +│`));
    assert.match(human.stdout, /│ per_minute +│ +- │ +- │ +- │ none on disk +│/);
    assert.match(human.stdout, /visitors-3: corrupted \(CURRENT file does not end with newline\); a worker wipes it and restores it from tables-test-v2-visitors-changelog/);
    assert.match(human.stdout, /declared by no table: removed_table-0/);
  });

  it('says memory:// stores keep no local state, and looks at no disk', async () => {
    await writeStore('counts', 0, 41n);
    const json = await run(['tables', '--manifest', MANIFEST, '--datadir', datadir, '--json'], { STREAMD_STORE: 'memory://' });
    assert.equal(json.code, 0, json.stderr);
    const report = JSON.parse(json.stdout) as TablesReport;
    assert.equal(report.hasLocalState, false);
    assert.deepEqual(report.tables.map((table) => table.stores), report.tables.map(() => []));
    const human = await run(['tables', '--manifest', MANIFEST, '--datadir', datadir], { STREAMD_STORE: 'memory://' });
    assert.match(human.stdout, /^state +none: memory:\/\/ stores live in the worker's memory/m);
    assert.doesNotMatch(human.stdout, /Local state/);
  });

  it('fails a missing manifest with exit 2 and no stack trace', async () => {
    const { code, stdout, stderr } = await run(['tables', '--manifest', cliFixture('no-such.yaml'), '--datadir', datadir]);
    assert.equal(code, 2);
    assert.equal(stdout, '');
    assert.doesNotMatch(stderr, / {4}at /);
  });
});
