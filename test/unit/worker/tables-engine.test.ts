// Tables end to end on the embedded broker: counts through a groupBy, a set table and a global
// table; restarts from local stores and from the changelog alone; a store claiming offsets past the
// changelog's end; two workers sharing the partitions, with standbys. The real-broker versions of
// these live in test/e2e.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import type { Agent } from '../../../src/agents/index.js';
import { loadManifest, type Manifest } from '../../../src/manifest/index.js';
import { WorkerMetrics } from '../../../src/metrics/index.js';
import { RocksdbStore } from '../../../src/stores/index.js';
import { createWorker, tableStorePath, type Readiness, type Worker } from '../../../src/worker/index.js';
import { configure, count } from '../../fixtures/apps/tables/handlers/tables.js';
import { uniqueName } from '../../helpers/unique-name.js';
import { waitFor } from '../../helpers/wait-for.js';
import { repoPath } from '../../kafka/repo-root.js';
import { captureLogger } from '../stores/fixture.js';

const MANIFEST = repoPath('test', 'fixtures', 'apps', 'tables', 'app.yaml');
const handlers = new Map<string, Agent>([
  ['count', count as Agent],
  ['configure', configure as Agent],
]);

interface App {
  readonly broker: string;
  readonly datadir: string;
  readonly env: Record<string, string>;
}

async function newApp(): Promise<App> {
  const datadir = await mkdtemp(join(tmpdir(), 'streamd-tables-'));
  const broker = `memory://${uniqueName('tables')}`;
  return { broker, datadir, env: { STREAMD_BROKER: broker, STREAMD_DATADIR: datadir, APP_ID: uniqueName('tables') } };
}

async function manifestOf(app: App, env: Record<string, string> = {}): Promise<Manifest> {
  return loadManifest(MANIFEST, { env: { ...app.env, ...env } });
}

async function start(manifest: Manifest, logger = pino({ level: 'silent' })): Promise<Worker> {
  const worker = await createWorker(manifest, { logger, handlers, metrics: new WorkerMetrics({ withDefaults: false }) });
  await worker.start();
  await waitFor(() => worker.isReady(), { timeoutMs: 20_000, message: 'the worker to be ready' });
  return worker;
}

function views(count: number, pages: number, offset = 0): { key: string; value: { page: string; user: string } }[] {
  return Array.from({ length: count }, (_, i) => ({ key: `v${offset + i}`, value: { page: `/p${(offset + i) % pages}`, user: `u${(offset + i) % 7}` } }));
}

/** Every entry the worker holds of a table, decoded. */
async function entries(worker: Worker, table: string): Promise<Map<unknown, unknown>> {
  const out = new Map<unknown, unknown>();
  for await (const [key, value] of worker.tables!.runtimes.get(table)!.entries()) out.set(key, value);
  return out;
}

async function total(workers: readonly Worker[]): Promise<{ sum: number; keys: number }> {
  let sum = 0;
  let keys = 0;
  for (const worker of workers) {
    for (const value of (await entries(worker, 'counts')).values()) {
      sum += value as number;
      keys += 1;
    }
  }
  return { sum, keys };
}

/** Waits until the workers' counts add up to `expected` over `pages` keys. */
async function countsReach(workers: readonly Worker[], expected: number, pages: number): Promise<void> {
  await waitFor(async () => {
    const { sum, keys } = await total(workers);
    return sum === expected && keys === pages;
  }, { timeoutMs: 30_000, message: `the counts to add up to ${expected} over ${pages} pages` });
}

describe('tables on the embedded broker', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  });
  const track = (app: App): App => {
    cleanup.push(() => rm(app.datadir, { recursive: true, force: true }));
    return app;
  };

  it('counts through a groupBy into a table and a set table, and keeps them across a restart', async () => {
    const app = track(await newApp());
    const manifest = await manifestOf(app);
    let worker = await start(manifest);
    try {
      await worker.ingest('views', views(2000, 50));
      await countsReach([worker], 2000, 50);
      const visitors = await entries(worker, 'visitors');
      assert.equal(visitors.size, 50);
      assert.deepEqual([...(visitors.get('/p0') as unknown[])].sort(), ['u0', 'u1', 'u2', 'u3', 'u4', 'u5', 'u6']);
      const metric = async (pattern: RegExp): Promise<number> => Number(pattern.exec((await worker.metrics.expose()).body)?.[1] ?? NaN);
      assert.ok((await metric(/^streamd_table_reads_total\{table="counts"\} (\d+)/m)) >= 2000, 'table reads are counted');
      assert.ok((await metric(/^streamd_table_writes_total\{table="counts"\} (\d+)/m)) >= 2000, 'table writes are counted');
      assert.ok((await metric(/^streamd_send_latency_seconds_count (\d+)/m)) > 0, 'send latency is observed');
      await waitFor(async () => (await worker.metrics.expose()).body.match(/^streamd_consumer_lag_records\{[^}]*\} 0$/gm)?.length ?? 0, { timeoutMs: 20_000, message: 'a partition whose lag is 0 after the drain' });
      // The committed writes sit in the RocksDB stores' memtables; the gauge reads them per table and kind.
      await waitFor(async () => (await metric(/^streamd_store_memory_bytes\{table="counts",kind="memtable"\} (\d+)/m)) > 0, { timeoutMs: 20_000, message: "the counts stores' memtables in streamd_store_memory_bytes" });
      assert.ok((await metric(/^streamd_store_memory_bytes\{table="visitors",kind="memtable"\} (\d+)/m)) > 0, "the visitors stores' memtables are reported too");
      assert.ok((await metric(/^streamd_store_memory_bytes\{table="counts",kind="block_cache"\} (\d+)/m)) >= 0, 'the block cache of each table is reported (storeBlockCache is on by default)');
      assert.equal((await worker.stop()).state, 'stopped');

      worker = await start(manifest);
      assert.deepEqual(await total([worker]), { sum: 2000, keys: 50 }, 'the stores kept the counts');
      await worker.ingest('views', views(1000, 50, 2000));
      await countsReach([worker], 3000, 50);
    } finally {
      await worker.stop();
    }
  });

  it('restores a memory:// store from the changelog alone', async () => {
    const app = track(await newApp());
    const manifest = await manifestOf(app, { STREAMD_STORE: 'memory://' });
    let worker = await start(manifest);
    try {
      await worker.ingest('views', views(1000, 20));
      await countsReach([worker], 1000, 20);
      await worker.stop();
      const { logger, records } = captureLogger();
      worker = await start(manifest, logger);
      assert.deepEqual(await total([worker]), { sum: 1000, keys: 20 });
      const recovered = records.filter((r) => r.msg.startsWith('recovered counts['));
      assert.ok(recovered.length > 0, 'recovery of the counts was logged');
      assert.ok(recovered.every((r) => typeof r['records'] === 'number' && r['records'] > 0));
    } finally {
      await worker.stop();
    }
  });

  it('says it is recovering, and how far, until the tables are back', async () => {
    const app = track(await newApp());
    const manifest = await manifestOf(app, { STREAMD_STORE: 'memory://' });
    let worker = await start(manifest);
    await worker.ingest('views', views(1000, 20));
    await countsReach([worker], 1000, 20);
    await worker.stop();
    // What the worker says about itself at the moment each partition's recovery begins.
    const seen: { partition: unknown; readiness: Readiness | undefined }[] = [];
    let current: Worker | undefined;
    const logger = pino({ level: 'info' }, {
      write: (line: string) => {
        const entry = JSON.parse(line) as { msg: string; partition?: unknown };
        if (/^recovering counts\[\d+\]$/.test(entry.msg)) seen.push({ partition: entry.partition, readiness: current?.readiness() });
      },
    });
    worker = current = await createWorker(manifest, { logger, handlers, metrics: new WorkerMetrics({ withDefaults: false }) });
    try {
      await worker.start();
      await waitFor(() => worker.isReady(), { timeoutMs: 20_000, message: 'the worker to be ready' });
      assert.equal(seen.length, 4, 'each of the 4 count partitions was recovered');
      for (const { partition, readiness } of seen) {
        assert.equal(readiness?.phase, 'recovering');
        const own = readiness.recovering.find((r) => r.table === 'counts' && r.partition === partition);
        assert.ok(own !== undefined && own.records === 0 && own.remaining > 0, `counts[${String(partition)}] is listed with records to go: ${JSON.stringify(readiness.recovering)}`);
      }
      assert.deepEqual(worker.readiness(), { phase: 'ready', recovering: [] });
    } finally {
      await worker.stop();
    }
  });

  it('wipes and rebuilds a store that claims changelog offsets past the changelog end', async () => {
    const app = track(await newApp());
    const manifest = await manifestOf(app);
    let worker = await start(manifest);
    try {
      await worker.ingest('views', views(400, 10));
      await countsReach([worker], 400, 10);
      await worker.stop();
      const store = await RocksdbStore.open(tableStorePath(manifest, 'counts', 1));
      await store.write({ puts: [[Buffer.from('"/bogus"'), Buffer.from('999')]], deletes: [], offset: 1_000_000n });
      await store.close();

      const { logger, records } = captureLogger();
      worker = await start(manifest, logger);
      const wiped = records.find((r) => r['action'] === 'wipe-and-rebuild');
      assert.ok(wiped !== undefined, 'the wipe was logged');
      assert.equal(wiped['partition'], 1);
      assert.deepEqual(await total([worker]), { sum: 400, keys: 10 }, 'rebuilt from the changelog, without the bogus key');
    } finally {
      await worker.stop();
    }
  });

  it('keeps a global table whole on every worker', async () => {
    const app = track(await newApp());
    const first = await start(await manifestOf(app, { STREAMD_DATADIR: join(app.datadir, 'one') }));
    const second = await start(await manifestOf(app, { STREAMD_DATADIR: join(app.datadir, 'two') }));
    try {
      await first.ingest('settings_in', [
        { key: 'a', value: { name: 'colour', value: 'blue' } },
        { key: 'b', value: { name: 'size', value: 3 } },
        { key: 'c', value: { name: 'colour', value: 'green' } },
      ]);
      for (const worker of [first, second]) {
        await waitFor(async () => {
          const settings = await entries(worker, 'settings');
          return settings.get('colour') === 'green' && settings.get('size') === 3;
        }, { timeoutMs: 20_000, message: 'every worker to hold the whole global table' });
      }
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }
  });

  it('splits table partitions between two workers with standbys, and the survivor takes them all over', async () => {
    const app = track(await newApp());
    const first = await start(await manifestOf(app, { STREAMD_DATADIR: join(app.datadir, 'one') }));
    const second = await start(await manifestOf(app, { STREAMD_DATADIR: join(app.datadir, 'two') }));
    let isSecondStopped = false;
    try {
      await waitFor(() => first.tables!.runtimes.get('counts')!.partitions.size === 2 && second.tables!.runtimes.get('counts')!.partitions.size === 2, {
        timeoutMs: 20_000,
        message: 'two table partitions on each worker',
      });
      await first.ingest('views', views(3000, 40));
      await countsReach([first, second], 3000, 40);
      await second.stop();
      isSecondStopped = true;
      await waitFor(() => first.isReady() && first.tables!.runtimes.get('counts')!.partitions.size === 4, { timeoutMs: 20_000, message: 'the survivor to hold every partition' });
      assert.deepEqual(await total([first]), { sum: 3000, keys: 40 });
      await first.ingest('views', views(1000, 40, 3000));
      await countsReach([first], 4000, 40);
    } finally {
      await first.stop();
      if (!isSecondStopped) await second.stop();
    }
  });

  it('tells the web layer which worker owns each key, and reads the keys it holds', async () => {
    const app = track(await newApp());
    // Distinct web ports only make distinct URLs: nothing listens on them here.
    const first = await start(await manifestOf(app, { STREAMD_DATADIR: join(app.datadir, 'one'), STREAMD_WEB_PORT: '16101' }));
    const second = await start(await manifestOf(app, { STREAMD_DATADIR: join(app.datadir, 'two'), STREAMD_WEB_PORT: '16102' }));
    try {
      assert.notEqual(first.url, second.url);
      await first.ingest('views', views(200, 10));
      await countsReach([first, second], 200, 10);
      await waitFor(() => [first, second].every((w) => w.tableQueries.locate('counts', '/p0').ownerUrl !== undefined), {
        timeoutMs: 20_000,
        message: 'both workers to know the owners',
      });
      const counts = new Map([...(await entries(first, 'counts')), ...(await entries(second, 'counts'))]);
      for (const [page, value] of counts) {
        const [here, there] = first.tableQueries.locate('counts', page).isLocal ? [first, second] : [second, first];
        const location = here.tableQueries.locate('counts', page);
        assert.equal(location.ownerUrl, here.url, `owner of ${String(page)}`);
        assert.deepEqual(there.tableQueries.locate('counts', page), { ...location, isLocal: false });
        assert.deepEqual(await here.tableQueries.read('counts', page), { found: true, value });
      }
      assert.deepEqual(
        [first, second].map((w) => w.tableQueries.info('counts')!.localPartitions.length),
        [2, 2],
      );
    } finally {
      await first.stop();
      await second.stop();
    }
  });
});
