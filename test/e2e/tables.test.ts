// `streamd start` with the page-views example against the real broker: the table `page_counts`
// in its RocksDB stores and in its changelog equals the count of the input after a graceful stop,
// after kill -9 mid-stream (no over-count), after losing the state directory, and after each kind
// of store corruption (ARCHITECTURE.md §3, §6).

import assert from 'node:assert/strict';
import { open, readdir, rm, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { RocksdbStore } from '../../src/stores/index.js';
import { waitFor } from '../helpers/wait-for.js';
import type { Daemon } from './helpers/daemon.js';
import { sumProgress } from './helpers/group-progress.js';
import { PageViewLoad, assertCountsEqual } from './helpers/page-view-load.js';
import { PARTITIONS, TABLE, TablesApp, logLines, type ChangelogContents, type TableContents } from './helpers/tables-app.js';

const TIMEOUT_MS = 300_000;
const DRAIN_MS = 180_000;

describe('tables of streamd start against a real broker', () => {
  // Each test's apps (their daemons, clients, manifests and datadirs) go when the test ends, either way.
  const apps: TablesApp[] = [];
  const app = (): TablesApp => {
    const made = new TablesApp();
    apps.push(made);
    return made;
  };
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.close()));
  });

  /** Stops `daemon` with SIGTERM and checks it exited 0. */
  async function stop(daemon: Daemon): Promise<void> {
    assert.deepEqual(await daemon.terminate(), { code: 0, signal: null }, daemon.tail());
  }

  /** The stores under `datadir` and the changelog both equal the truth; returns what they hold. */
  async function assertTableIsTruth(tables: TablesApp, datadir: string, truth: ReadonlyMap<string, number>): Promise<{ stores: TableContents; changelog: ChangelogContents }> {
    const stores = await tables.storeContents(datadir);
    assertCountsEqual(stores.values, truth, 'the partition stores');
    const changelog = await tables.changelogContents();
    assertCountsEqual(changelog.values, truth, "the changelog's last value per key");
    return { stores, changelog };
  }

  it('counts 200,000 page views over 10,000 pages exactly, in the stores and in the changelog, after a graceful stop', { timeout: TIMEOUT_MS }, async () => {
    const tables = app();
    const load = new PageViewLoad(200_000, 10_000);
    await tables.createTopics();
    await tables.load(load);
    const daemon = await tables.start();
    await tables.waitForDrain(DRAIN_MS);
    await stop(daemon);

    const datadir = await tables.datadir();
    const stores = await tables.storeContents(datadir);
    assert.deepEqual([...stores.offsets.keys()].sort(), [...Array(PARTITIONS).keys()], 'a store per partition');
    await assertTableIsTruth(tables, datadir, load.truth());
    const sink = await tables.sinkContents();
    assert.equal(sink.records, load.events, 'one output per view');
    assert.equal(sink.duplicates, 0, 'no (page, count) output twice');
    assertCountsEqual(sink.highest, load.truth(), 'the highest count per page in the sink');
  });

  it('does not over-count when killed with SIGKILL mid-stream: the restarted worker leaves stores and changelog equal to the truth', { timeout: TIMEOUT_MS }, async () => {
    const tables = app();
    const load = new PageViewLoad(200_000, 10_000);
    const lateViews = 50_000;
    await tables.createTopics();
    await tables.load(load, { to: load.events - lateViews });
    const first = await tables.start();
    // The counting stage is slower than the regrouping one: once counts reach the changelog, the
    // last views go in and the worker is killed at once, so that both stages have uncommitted input.
    await waitFor(async () => sumProgress(await tables.progress(tables.changelog)).end >= 1_000n, {
      timeoutMs: 120_000,
      intervalMs: 50,
      message: 'the first counts in the changelog',
    });
    await tables.load(load, { from: load.events - lateViews });
    const killed = await first.kill9();
    assert.equal(killed.signal, 'SIGKILL');
    const source = sumProgress(await tables.progress(tables.input));
    const repartition = sumProgress(await tables.progress(tables.repartition));
    const changelog = sumProgress(await tables.progress(tables.changelog));
    assert.ok(repartition.committed < BigInt(load.events), `the kill came before every view was counted (repartition topic committed to ${repartition.committed})`);

    const second = await tables.start();
    await tables.waitForDrain(DRAIN_MS);
    await stop(second);
    await assertTableIsTruth(tables, await tables.datadir(), load.truth());

    const sink = await tables.sinkContents();
    const regrouped = sumProgress(await tables.progress(tables.repartition)).end;
    const truth = load.truth();
    const overReported = [...sink.highest].filter(([page, count]) => count > (truth.get(page) ?? 0)).length;
    process.stdout.write(
      `kill -9 with ${changelog.end} changelog records, the source committed to ${source.committed} of ${source.end}, ` +
        `the repartition topic to ${repartition.committed} of ${repartition.end}; after the restart: ${regrouped - BigInt(load.events)} views regrouped twice, ` +
        `${sink.records} sink records for ${load.events} views, ${sink.duplicates} repeated (page, count) pairs, ` +
        `${overReported} pages whose highest count in the sink is above the truth\n`,
    );
  });

  it('rebuilds the tables from the changelog when the state directory is deleted, and logs the recovery', { timeout: TIMEOUT_MS }, async () => {
    const tables = app();
    const load = new PageViewLoad(60_000, 5_000);
    await tables.createTopics();
    await tables.load(load);
    const datadir = await tables.datadir();
    const counting = await tables.start();
    await tables.waitForDrain(DRAIN_MS);
    await stop(counting);

    await rm(join(datadir, tables.appId), { recursive: true });
    const rebuilt = await tables.start();
    await stop(rebuilt);
    await assertTableIsTruth(tables, datadir, load.truth());

    const changelog = await tables.changelogContents();
    const recovering = logLines(rebuilt, `recovering ${TABLE}[`);
    const recovered = logLines(rebuilt, `recovered ${TABLE}[`);
    for (const [partition, records] of changelog.recordsPerPartition) {
      assert.ok(records > 0);
      assert.ok(recovering.some((l) => l['partition'] === partition && Number(l['records']) === records), `a "recovering ${TABLE}[${partition}]" line announces ${records} records`);
      const done = recovered.filter((l) => l['partition'] === partition);
      assert.equal(done.length, 1, `one "recovered ${TABLE}[${partition}]" line`);
      assert.equal(done[0]!['records'], records, `partition ${partition} applied every changelog record`);
    }
    const applied = recovered.reduce((sum, l) => sum + Number(l['records']), 0);
    assert.equal(applied, changelog.records, 'the recovered lines add up to the changelog');
    process.stdout.write(`rebuilt ${applied} changelog records: ${recovered.map((l) => `[${String(l['partition'])}] ${String(l['records'])} records at ${String(l['ratePerSecond'])}/s`).join(', ')}\n`);
  });

  describe('a corrupted partition store is wiped, rebuilt from the changelog, and says so', () => {
    const load = new PageViewLoad(40_000, 4_000);
    const truth = load.truth();
    let tables: TablesApp;
    let datadir: string;
    let victim: number;

    after(async () => {
      // Unset when before() failed to make it.
      await (tables as TablesApp | undefined)?.close();
    });

    before(async () => {
      tables = new TablesApp();
      await tables.createTopics();
      await tables.load(load);
      datadir = await tables.datadir();
      const daemon = await tables.start();
      await tables.waitForDrain(DRAIN_MS);
      await stop(daemon);
      const changelog = await tables.changelogContents();
      // The partition with the most changelog records: its store certainly has data files.
      victim = [...changelog.recordsPerPartition].sort((a, b) => b[1] - a[1])[0]![0];
    }, { timeout: TIMEOUT_MS });

    /** Restarts, checks the victim's store alone was wiped and rebuilt, and that the table is the truth. */
    async function assertRebuilt(): Promise<void> {
      const daemon = await tables.start();
      await stop(daemon);
      const wipes = daemon.logs().filter((l) => l['action'] === 'wipe-and-rebuild');
      const victimPath = tables.storePath(datadir, victim);
      assert.equal(wipes.length, 1, `one store wiped:\n${wipes.map((l) => JSON.stringify(l)).join('\n')}\n${daemon.tail()}`);
      assert.ok(wipes[0]!['store'] === victimPath || wipes[0]!['partition'] === victim, `the wipe is of ${victimPath}: ${JSON.stringify(wipes[0])}`);
      const recovered = logLines(daemon, `recovered ${TABLE}[`);
      assert.deepEqual(recovered.map((l) => l['partition']), [victim], 'only the wiped partition is restored');
      const { stores, changelog } = await assertTableIsTruth(tables, datadir, truth);
      assert.equal(recovered[0]!['records'], changelog.recordsPerPartition.get(victim), 'the whole changelog partition was applied');
      assert.equal(stores.offsets.get(victim), changelog.ends.get(victim)! - 1n, 'the rebuilt store records the last changelog offset');
      process.stdout.write(`wiped ${TABLE}-${victim}: ${String(wipes[0]!['reason'] ?? wipes[0]!['msg'])}\n`);
    }

    it('a truncated .sst data file', { timeout: TIMEOUT_MS }, async () => {
      const path = tables.storePath(datadir, victim);
      const ssts = (await readdir(path)).filter((name) => name.endsWith('.sst'));
      assert.ok(ssts.length > 0, `${path} has .sst files`);
      const sizes = await Promise.all(ssts.map(async (name) => ({ name, size: (await stat(join(path, name))).size })));
      const largest = sizes.sort((a, b) => b.size - a.size)[0]!;
      await truncate(join(path, largest.name), Math.floor(largest.size / 2));
      await assertRebuilt();
    });

    it('garbage in the CURRENT file', { timeout: TIMEOUT_MS }, async () => {
      const current = join(tables.storePath(datadir, victim), 'CURRENT');
      await stat(current);
      const file = await open(current, 'w');
      await file.write(Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0x13, 0x37, 0x0a]));
      await file.close();
      await assertRebuilt();
    });

    it('a stored changelog offset past the end of the changelog', { timeout: TIMEOUT_MS }, async () => {
      const end = (await tables.progress(tables.changelog)).find((p) => p.partition === victim)!.end;
      const store = await RocksdbStore.open(tables.storePath(datadir, victim));
      try {
        await store.write({ puts: [], deletes: [], offset: end + 1_000_000n });
        assert.equal(await store.offset(), end + 1_000_000n);
      } finally {
        await store.close();
      }
      await assertRebuilt();
    });
  });
});

