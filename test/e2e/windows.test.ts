// Windowed tables on the real broker (issue 12's "Done when"): 100,000 views over 30 minutes of
// event time, out of order by up to 5 s, 500 of them later than the grace, over 1,000 pages and 4
// partitions, counted in tumbling, hopping, sliding and session windows by one worker that is
// stopped with SIGTERM a quarter of the way in. Every (page, window) read over HTTP equals the truth computed in
// window-truth.ts; the late views are counted and not applied; once the stream stops, the idle
// close (wall clock) sends exactly one final record per (page, window); the expiring table loses
// its old windows from the store and the changelog, and a worker on an empty datadir restores
// only the live ones.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { parseWindowKey } from '../../src/windows/window-key.js';
import { runStreamd } from '../fixtures/cli/cli-process.js';
import { waitFor } from '../helpers/wait-for.js';
import { WindowsApp, type WindowEntry } from './helpers/windows-app.js';
import { TRUTH_TABLES, makeViews, truthOf, viewRecords, windowId, type Truth, type TruthTable, type View } from './helpers/window-truth.js';
import { partitionForKey } from '../../src/kafka/index.js';

const MIN = 60_000;
const VIEWS = 100_000;
const LATE = 500;
/** Views per produce while the first worker runs. */
const CHUNK = 5_000;
const SEED = 12_012;

function compare(table: string, entries: readonly WindowEntry[], truth: Truth): void {
  const read = new Map(entries.map((e) => [windowId(e.key, e.start, e.end), e.value]));
  const wrong = [...truth.values].filter(([id, value]) => read.get(id) !== value).map(([id, value]) => `${id}: read ${read.get(id)}, true ${value}`);
  const extra = [...read.keys()].filter((id) => !truth.values.has(id));
  assert.deepEqual({ wrong: wrong.slice(0, 5), wrongCount: wrong.length, extra: extra.slice(0, 5), extraCount: extra.length }, { wrong: [], wrongCount: 0, extra: [], extraCount: 0 }, `table ${table}`);
}

describe('windowed tables', () => {
  const app = new WindowsApp();
  after(() => app.close());

  it('refuses bad windowed manifests with exit 2 and file:line:col', async () => {
    const run = await runStreamd(['start', '--manifest', 'test/fixtures/manifests/window-problems.yaml']);
    assert.equal(run.code, 2);
    for (const at of ['8:55', '9:72', '10:49', '10:59', '11:44', '12:50', '13:12']) assert.match(run.stderr, new RegExp(`window-problems\\.yaml:${at}: `));
  });

  it('equal the truth over HTTP for the four window types, drop late events, send one final result per window across a SIGTERM restart, and expire old windows', async () => {
    await app.setUp();
    const now = Date.now();
    // The late views are in the last quarter: the second worker, which counts them, reads them all.
    const views = makeViews({ seed: SEED, count: VIEWS, pages: 1000, partitions: 4, base: now - 45 * MIN, spanMs: 30 * MIN, late: LATE, lateFrom: 0.75 });
    const fresh: View[] = Array.from({ length: 8 }, (_, i) => ({ page: `fresh-${i}`, time: now - 30_000, partition: partitionForKey(Buffer.from(`fresh-${i}`), 4), isLate: false }));
    const truths = new Map(TRUTH_TABLES.map((table) => [table, truthOf(table, views)] as const));
    for (const table of TRUTH_TABLES) assert.equal(truths.get(table)!.late, LATE, `the generated input has ${LATE} late views for ${table}`);

    // A worker fed views in chunks, each once it has committed all but the last chunk: it always has
    // views ahead of it, so it is never idle for idleClose (which closes windows by the wall clock, as
    // it should for a quiet partition) and the SIGTERM lands mid-stream. Then the rest, and a new
    // worker on the same datadir.
    const datadir = await app.newDatadir();
    const first = await app.start(datadir);
    let produced = 0;
    for (let committed = 0n; committed < BigInt(VIEWS / 4); ) {
      await app.produce(viewRecords(app.input, views.slice(produced, produced + CHUNK)));
      produced += CHUNK;
      await waitFor(async () => (committed = (await app.progress()).committed) >= BigInt(produced - CHUNK), { timeoutMs: 120_000, intervalMs: 100, message: () => `the first worker to commit ${produced - CHUNK} views (${committed} so far)` });
    }
    assert.equal((await first.terminate()).code, 0);
    console.log(`# windows: the first worker stopped with ${(await app.progress()).committed} of ${produced} views produced committed, ${VIEWS - produced} to come`);
    await app.produce(viewRecords(app.input, views.slice(produced)));
    await app.produce(viewRecords(app.input, fresh, { fresh: true }));
    const second = await app.start(datadir);
    await app.waitForDrain(180_000);

    // Final results: the idle close (no event for 8 s) closes every window; one record each.
    const expectedFinals = [...truths.values()].reduce((sum, t) => sum + t.values.size, 0);
    const admin = await app.admin();
    const sinkRecords = async (): Promise<bigint> => (await admin.offsets(app.sink)).reduce((sum, p) => sum + p.latest, 0n);
    let closedSoFar = '';
    await waitFor(async () => {
      closedSoFar = (await Promise.all(TRUTH_TABLES.map(async (table) => `${table} ${await second.counter('streamd_windows_closed_total', { table })}/${truths.get(table)!.values.size}`))).join(', ');
      return (await sinkRecords()) >= BigInt(expectedFinals);
    }, { timeoutMs: 90_000, intervalMs: 250, message: () => `the sink to hold ${expectedFinals} final results (closed by the second worker: ${closedSoFar})` });
    const finals = new Map<string, number>();
    let repeats = 0;
    for (const record of await app.readToEnd(app.sink)) {
      const final = JSON.parse(record.value!.toString()) as { table: TruthTable; key: string; start: number; end: number; value: number; closed: boolean };
      assert.equal(final.closed, true);
      const id = `${final.table}|${windowId(final.key, final.start, final.end)}`;
      if (finals.has(id)) repeats++;
      finals.set(id, final.value);
    }
    assert.equal(repeats, 0, 'no window is closed twice after a SIGTERM restart');
    for (const table of TRUTH_TABLES) {
      const mine = [...finals].filter(([id]) => id.startsWith(`${table}|`)).map(([id, value]) => ({ key: id.split('|')[1]!, start: Number(id.split('|')[2]), end: Number(id.split('|')[3]), value, closed: true }));
      compare(`${table} (final results)`, mine, truths.get(table)!);
    }

    // Every (page, window) over HTTP, closed; the late views counted.
    for (const table of TRUTH_TABLES) {
      const entries = await app.scan(second, table);
      compare(table, entries, truths.get(table)!);
      assert.ok(entries.every((e) => e.closed), `every window of ${table} is closed`);
      assert.equal(await second.counter('streamd_late_events_total', { table }), LATE);
    }

    // One key's windows by time.
    const [page, time] = [views[1000]!.page, views[1000]!.time];
    const at = (await (await fetch(`${second.url}/tables/hopping/keys/${page}?at=${time}`)).json()) as { windows: WindowEntry[] };
    assert.equal(at.windows.length, 5);
    for (const w of at.windows) assert.equal(w.value, truths.get('hopping')!.values.get(windowId(page, w.start, w.end)));
    const span = (await (await fetch(`${second.url}/tables/tumbling/keys/${page}?from=${time}&to=${new Date(time + 3 * MIN).toISOString()}`)).json()) as { windows: WindowEntry[] };
    assert.deepEqual(span.windows.map((w) => w.start), [...truths.get('tumbling')!.values.keys()].filter((id) => id.startsWith(`${page}|`)).map((id) => Number(id.split('|')[1])).filter((start) => start + MIN > time && start <= time + 3 * MIN).sort((a, b) => a - b));

    // Expiry: the expiring table keeps only the fresh views' windows, in the store and the changelog.
    const isFresh = (key: string): boolean => key.startsWith('fresh-');
    await waitFor(async () => (await app.scan(second, 'expiring')).every((e) => isFresh(e.key)), { timeoutMs: 30_000, intervalMs: 500, message: 'the cleanup to expire the old windows' });
    assert.equal((await second.terminate()).code, 0);
    const stored = (await app.storeKeys(datadir, 'expiring')).flatMap((key) => {
      const parsed = parseWindowKey(key);
      return parsed === undefined ? [] : [parsed.key.toString()];
    });
    assert.deepEqual(stored.sort(), fresh.map((v) => v.page).sort());
    const latest = new Map<string, boolean>();
    for (const record of await app.readToEnd(app.changelog('expiring'))) {
      const parsed = parseWindowKey(record.key!);
      if (parsed !== undefined) latest.set(windowId(parsed.key.toString(), parsed.window.start, parsed.window.end), record.value !== null);
    }
    const tombstoned = [...latest].filter(([, isLive]) => !isLive).map(([id]) => id);
    assert.deepEqual(tombstoned.sort(), [...truths.get('tumbling')!.values.keys()].sort(), 'every expired window is tombstoned in the changelog');

    // A worker on an empty datadir restores the live windows only, and the truth.
    const third = await app.start(await app.newDatadir());
    assert.deepEqual((await app.scan(third, 'expiring')).map((e) => e.key).sort(), fresh.map((v) => v.page).sort());
    compare('tumbling (restored)', await app.scan(third, 'tumbling'), truths.get('tumbling')!);
    assert.equal((await third.terminate()).code, 0);
  });
});
