// Table hooks on the embedded broker with the tables fixture: onKeySet sees every write a handler
// makes (decoded, with its partition; a set table's value as a Set), onKeyDel a delete, and after a
// restart with a memory:// store (so everything is recovered) onChangelogEvent sees every changelog
// record, in offset order per partition, ending at the values the table holds. With two workers,
// each one's onChangelogEvent sees the records of the partitions it follows as a standby.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import type { Agent } from '../../../src/agents/index.js';
import { createDriver } from '../../../src/kafka/index.js';
import { loadManifest } from '../../../src/manifest/index.js';
import { WorkerMetrics } from '../../../src/metrics/index.js';
import type { ChangelogEvent, KeyChange, Table } from '../../../src/tables/index.js';
import { changelogTopic, createWorker, type TableHookHandlers, type Worker } from '../../../src/worker/index.js';
import { count } from '../../fixtures/apps/tables/handlers/tables.js';
import { uniqueName } from '../../helpers/unique-name.js';
import { waitFor } from '../../helpers/wait-for.js';
import { repoPath } from '../../kafka/repo-root.js';

const MANIFEST = repoPath('test', 'fixtures', 'apps', 'tables', 'app.yaml');
const VIEWS = 300;
const PAGES = 12;

/** `configure` that deletes a setting whose value is null. */
const configure: Agent<{ name: string; value: unknown }> = async function (stream, { tables }) {
  const settings = tables.settings as Table<string, unknown>;
  for await (const setting of stream) {
    if (setting.value === null) settings.delete(setting.name);
    else settings.set(setting.name, setting.value);
  }
};

describe('table hooks on the embedded broker', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  });

  it('calls onKeySet and onKeyDel for handler writes, and onChangelogEvent for every record recovered after a restart', async () => {
    const datadir = await mkdtemp(join(tmpdir(), 'streamd-hooks-'));
    cleanup.push(() => rm(datadir, { recursive: true, force: true }));
    const appId = uniqueName('hooks');
    const broker = `memory://${uniqueName('hooks')}`;
    const manifest = await loadManifest(MANIFEST, { env: { STREAMD_BROKER: broker, STREAMD_DATADIR: datadir, APP_ID: appId, STREAMD_STORE: 'memory://' } });

    const sets: KeyChange[] = [];
    const dels: KeyChange[] = [];
    const recovered: ChangelogEvent[] = [];
    const hooks: TableHookHandlers = {
      onKeySet: new Map<string, unknown>([
        ['counts', (c: KeyChange) => sets.push(c)],
        ['visitors', (c: KeyChange) => sets.push(c)],
        ['settings', async (c: KeyChange) => {
          await Promise.resolve();
          sets.push(c);
        }],
      ]),
      onKeyDel: new Map([['settings', (c: KeyChange) => dels.push(c)]]),
      onChangelogEvent: new Map([['counts', (e: ChangelogEvent) => recovered.push(e)]]),
    };
    const start = async (): Promise<Worker> => {
      const worker = await createWorker(manifest, { logger: pino({ level: 'silent' }), handlers: new Map<string, Agent>([['count', count as Agent], ['configure', configure as Agent]]), metrics: new WorkerMetrics({ withDefaults: false }), tableHooks: hooks });
      cleanup.push(() => worker.stop());
      await worker.start();
      await waitFor(() => worker.isReady(), { timeoutMs: 20_000, message: 'the worker to be ready' });
      return worker;
    };

    let worker = await start();
    await worker.ingest('views', Array.from({ length: VIEWS }, (_, i) => ({ key: `v${i}`, value: { page: `/p${i % PAGES}`, user: `u${i % 5}` } })));
    await worker.ingest('settings_in', [{ key: 'a', value: { name: 'theme', value: 'dark' } }, { key: 'a', value: { name: 'theme', value: null } }]);
    const countSets = (): KeyChange[] => sets.filter((c) => c.table === 'counts');
    await waitFor(() => countSets().length === VIEWS && dels.length === 1, { timeoutMs: 20_000, message: `${VIEWS} count writes and one delete seen by the hooks` });

    // Every count write, decoded: each page's last call is its count, on one partition per page.
    const last = new Map<unknown, KeyChange>();
    for (const c of countSets()) last.set(c.key, c);
    assert.equal(last.size, PAGES);
    for (const [page, c] of last) {
      assert.equal(c.value, VIEWS / PAGES, `${String(page)}'s last onKeySet carries its count`);
      assert.equal(new Set(countSets().filter((s) => s.key === page).map((s) => s.partition)).size, 1, 'a key keeps its partition');
      assert.ok(c.partition >= 0 && c.partition < 4);
    }
    const visitor = sets.find((c) => c.table === 'visitors');
    assert.ok(visitor?.value instanceof Set, 'a set table hook gets a Set');
    assert.deepEqual(sets.filter((c) => c.table === 'settings').map((c) => [c.key, c.value]), [['theme', 'dark']]);
    assert.deepEqual(dels.map((c) => [c.table, c.key, c.value]), [['settings', 'theme', null]]);
    assert.equal(recovered.length, 0, 'nothing was recovered on a first start: the changelog was empty');

    // A hot reload swaps the hook: the next write goes to the new one.
    const reloaded: KeyChange[] = [];
    worker.reloadHandlersOf('onKeySet', new Map([['counts', (c: KeyChange) => reloaded.push(c)]]));
    await worker.ingest('views', [{ key: 'late', value: { page: '/p0', user: 'u0' } }]);
    await waitFor(() => reloaded.length === 1, { timeoutMs: 20_000, message: 'the reloaded onKeySet called' });
    assert.deepEqual([reloaded[0]!.key, reloaded[0]!.value], ['/p0', VIEWS / PAGES + 1]);
    assert.equal(countSets().length, VIEWS, 'the old hook is not called any more');
    await worker.stop();

    // A memory:// store keeps nothing: the restart recovers every counts record from the changelog.
    worker = await start();
    const admin = await createDriver(broker).admin();
    let records = 0n;
    try {
      for (const { latest } of await admin.offsets(changelogTopic(appId, 'counts'))) records += latest;
    } finally {
      await admin.close();
    }
    assert.ok(records > 0n);
    assert.equal(BigInt(recovered.length), records, 'one onChangelogEvent per changelog record');
    const byPartition = new Map<number, bigint[]>();
    for (const e of recovered) byPartition.set(e.partition, [...(byPartition.get(e.partition) ?? []), e.offset]);
    for (const offsets of byPartition.values()) assert.deepEqual(offsets, offsets.map((_, i) => BigInt(i)), 'every offset of the partition, in order');
    const final = new Map(recovered.map((e) => [e.key, e.value]));
    assert.deepEqual([...final].sort(([a], [b]) => String(a).localeCompare(String(b))), Array.from({ length: PAGES }, (_, p) => [`/p${p}`, VIEWS / PAGES + (p === 0 ? 1 : 0)]).sort(([a], [b]) => String(a).localeCompare(String(b))), 'the last record of each key is its count');
    await worker.stop();
    console.log(`table hooks: ${countSets().length} onKeySet calls for counts, ${recovered.length} onChangelogEvent calls over ${byPartition.size} partitions after the restart`);
  });

  it('calls onChangelogEvent on a standby for each record of the partitions it follows', async () => {
    const datadir = await mkdtemp(join(tmpdir(), 'streamd-hooks-standby-'));
    cleanup.push(() => rm(datadir, { recursive: true, force: true }));
    const env = { STREAMD_BROKER: `memory://${uniqueName('hooks')}`, APP_ID: uniqueName('hooks'), STREAMD_STORE: 'memory://' };
    const workers: Worker[] = [];
    const events: ChangelogEvent[][] = [[], []];
    for (const index of [0, 1]) {
      const manifest = await loadManifest(MANIFEST, { env: { ...env, STREAMD_DATADIR: join(datadir, String(index)) } });
      const worker = await createWorker(manifest, {
        logger: pino({ level: 'silent' }),
        handlers: new Map<string, Agent>([['count', count as Agent], ['configure', configure as Agent]]),
        metrics: new WorkerMetrics({ withDefaults: false }),
        tableHooks: { onChangelogEvent: new Map([['counts', (e: ChangelogEvent) => events[index]!.push(e)]]) },
      });
      cleanup.push(() => worker.stop());
      await worker.start();
      workers.push(worker);
    }
    const actives = (worker: Worker): number[] => [...worker.tables!.runtimes.get('counts')!.partitions.keys()].sort();
    await waitFor(() => workers.every((w) => w.isReady() && actives(w).length === 2), { timeoutMs: 20_000, message: 'two counts partitions on each worker' });
    await workers[0]!.ingest('views', Array.from({ length: VIEWS }, (_, i) => ({ key: `v${i}`, value: { page: `/p${i % PAGES}`, user: 'u' } })));
    // Each worker follows the other's two partitions as a standby: its hook ends at the other's counts.
    const standbyCounts = (index: number): Map<unknown, unknown> => new Map(events[index]!.map((e) => [e.key, e.value]));
    const standbyTotal = (): number => [0, 1].flatMap((i) => [...standbyCounts(i).values()] as number[]).reduce((a, b) => a + b, 0);
    await waitFor(() => standbyTotal() === VIEWS, { timeoutMs: 20_000, message: `the standbys' last counts adding up to ${VIEWS} views` });
    for (const index of [0, 1]) {
      const partitions = [...new Set(events[index]!.map((e) => e.partition))].sort();
      assert.deepEqual(partitions, actives(workers[1 - index]!), `worker ${index}'s hook sees the partitions the other owns, and no others`);
    }
    assert.equal(standbyCounts(0).size + standbyCounts(1).size, PAGES, 'every page on exactly one standby');
    console.log(`table hooks on standbys: ${events[0]!.length} and ${events[1]!.length} onChangelogEvent calls`);
  });
});
