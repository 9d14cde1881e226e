// The table endpoints against a fake worker: the list, key reads served here (string and JSON keys,
// unknown table and key, a default), the refusals that never proxy, and the paged scan.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeWorker, call, serve, type Reply, type Served } from './fixture.js';

async function withApp(worker: FakeWorker, test: (served: Served) => Promise<void>): Promise<void> {
  const served = await serve(worker);
  try {
    await test(served);
  } finally {
    await served.close();
  }
}

const codeOf = (reply: Reply): unknown => (reply.json as { code?: unknown } | undefined)?.code;

function pageViews(): FakeWorker {
  const worker = new FakeWorker();
  worker.tableQueries.addTable('page_counts', [['/home', 3], ['/about', 1], ['/a b', 7]], { hasDefault: true, defaultValue: 0 });
  worker.tableQueries.addTable('by_id', [[42, { n: 1 }], [{ id: 'x' }, { n: 2 }]], { keyType: 'integer', isGlobal: true, localPartitions: [0, 1, 2, 3] });
  return worker;
}

describe('web app: tables', () => {
  it('lists each table with its kind, partitions, changelog and the partitions held here', async () => {
    await withApp(pageViews(), async ({ port }) => {
      const reply = await call(port, 'GET', '/tables');
      assert.equal(reply.status, 200);
      assert.equal(reply.headers['x-streamd-served-by'], 'http://worker-a:6066');
      assert.deepEqual(reply.json, [
        { name: 'page_counts', kind: 'table', global: false, partitions: 4, changelog: 'app-page_counts-changelog', localPartitions: [0, 2] },
        { name: 'by_id', kind: 'table', global: true, partitions: 4, changelog: 'app-by_id-changelog', localPartitions: [0, 1, 2, 3] },
      ]);
    });
  });

  it('reads a string key as the URL text, decoded, and names this worker as the one that served it', async () => {
    await withApp(pageViews(), async ({ port }) => {
      const reply = await call(port, 'GET', `/tables/page_counts/keys/${encodeURIComponent('/home')}`);
      assert.equal(reply.status, 200);
      assert.deepEqual(reply.json, { table: 'page_counts', key: '/home', partition: 0, value: 3 });
      assert.equal(reply.headers['x-streamd-served-by'], 'http://worker-a:6066');
      assert.deepEqual((await call(port, 'GET', '/tables/page_counts/keys/%2Fa%20b')).json, { table: 'page_counts', key: '/a b', partition: 0, value: 7 });
    });
  });

  it('reads a key of another type as JSON and answers 400 STREAMD_BAD_KEY for malformed JSON', async () => {
    await withApp(pageViews(), async ({ port }) => {
      assert.deepEqual((await call(port, 'GET', '/tables/by_id/keys/42')).json, { table: 'by_id', key: 42, partition: 0, value: { n: 1 } });
      const object = await call(port, 'GET', `/tables/by_id/keys/${encodeURIComponent('{"id":"x"}')}`);
      assert.deepEqual((object.json as { value: unknown }).value, { n: 2 });
      const bad = await call(port, 'GET', `/tables/by_id/keys/${encodeURIComponent('{id')}`);
      assert.equal(bad.status, 400);
      assert.equal(codeOf(bad), 'STREAMD_BAD_KEY');
      assert.equal(bad.headers['x-streamd-served-by'], 'http://worker-a:6066');
    });
  });

  it('answers 404 STREAMD_UNKNOWN_TABLE and 404 STREAMD_UNKNOWN_KEY, with the declared default beside it', async () => {
    await withApp(pageViews(), async ({ port }) => {
      const table = await call(port, 'GET', '/tables/nope/keys/x');
      assert.equal(table.status, 404);
      assert.equal(codeOf(table), 'STREAMD_UNKNOWN_TABLE');
      assert.equal(codeOf(await call(port, 'GET', '/tables/nope')), 'STREAMD_UNKNOWN_TABLE');
      const key = await call(port, 'GET', '/tables/page_counts/keys/never');
      assert.equal(key.status, 404);
      assert.equal(codeOf(key), 'STREAMD_UNKNOWN_KEY');
      assert.equal((key.json as { default?: unknown }).default, 0);
      const noDefault = await call(port, 'GET', '/tables/by_id/keys/7');
      assert.equal(codeOf(noDefault), 'STREAMD_UNKNOWN_KEY');
      assert.equal(Object.hasOwn(noDefault.json as object, 'default'), false);
    });
  });

  it('answers 503 STREAMD_NOT_READY when no owner is known, and never proxies a forwarded read', async () => {
    const worker = pageViews();
    await withApp(worker, async ({ port }) => {
      worker.tableQueries.locateAs = () => ({ partition: 3, isLocal: false, ownerUrl: undefined });
      const unknown = await call(port, 'GET', '/tables/page_counts/keys/x');
      assert.equal(unknown.status, 503);
      assert.equal(codeOf(unknown), 'STREAMD_NOT_READY');
      worker.tableQueries.locateAs = () => ({ partition: 3, isLocal: false, ownerUrl: 'http://worker-a:6066' });
      assert.equal(codeOf(await call(port, 'GET', '/tables/page_counts/keys/x')), 'STREAMD_NOT_READY');
      worker.tableQueries.locateAs = () => ({ partition: 3, isLocal: false, ownerUrl: 'http://127.0.0.1:1' });
      const forwarded = await call(port, 'GET', '/tables/page_counts/keys/x', { headers: { 'x-streamd-forwarded-by': 'http://worker-b:6066' } });
      assert.equal(forwarded.status, 503);
      assert.match((forwarded.json as { message: string }).message, /worker-b/);
    });
  });

  it('scans local partitions in pages of limit, with next as the cursor for after', async () => {
    await withApp(pageViews(), async ({ port }) => {
      const first = await call(port, 'GET', '/tables/page_counts?limit=2');
      assert.equal(first.status, 200);
      assert.deepEqual(first.json, {
        table: 'page_counts',
        localPartitions: [0, 2],
        entries: [{ key: '/home', value: 3 }, { key: '/about', value: 1 }],
        next: '/about',
      });
      const second = await call(port, 'GET', `/tables/page_counts?limit=2&after=${encodeURIComponent('/about')}`);
      assert.deepEqual(second.json, { table: 'page_counts', localPartitions: [0, 2], entries: [{ key: '/a b', value: 7 }] });
      const all = await call(port, 'GET', '/tables/by_id');
      assert.equal((all.json as { entries: unknown[] }).entries.length, 2);
      assert.equal(codeOf(await call(port, 'GET', '/tables/by_id?after=%7Bbad')), 'STREAMD_BAD_KEY');
    });
  });

  it('answers 400 STREAMD_BAD_REQUEST for a limit that is not an integer from 1 to 1000', async () => {
    await withApp(pageViews(), async ({ port }) => {
      for (const limit of ['0', '1001', 'ten', '-1', '2.5', '']) {
        const reply = await call(port, 'GET', `/tables/page_counts?limit=${limit}`);
        assert.equal(reply.status, 400, limit);
        assert.equal(codeOf(reply), 'STREAMD_BAD_REQUEST', limit);
      }
      assert.equal((await call(port, 'GET', '/tables/page_counts?limit=1000')).status, 200);
    });
  });
});
