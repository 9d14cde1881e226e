// Windowed tables after a kill -9 (issue 12): a worker killed mid-stream and restarted on its
// datadir ends with every (page, window) equal to the truth — the plain tables' positions keep the
// replayed events from counting twice — and the final results miss no window. Closes made after the
// last commit before the kill are made again: the test counts those repeats (README: Windowed tables).

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { waitFor } from '../helpers/wait-for.js';
import { WindowsApp } from './helpers/windows-app.js';
import { TRUTH_TABLES, makeViews, truthOf, viewRecords, windowId } from './helpers/window-truth.js';

const MIN = 60_000;
const VIEWS = 30_000;

describe('windowed tables after kill -9', () => {
  const app = new WindowsApp();
  after(() => app.close());

  it('equal the truth with no over-count, and miss no final result', async (t) => {
    await app.setUp();
    const views = makeViews({ seed: 9, count: VIEWS, pages: 300, partitions: 4, base: Date.now() - 45 * MIN, spanMs: 30 * MIN, late: 0 });
    const truths = new Map(TRUTH_TABLES.map((table) => [table, truthOf(table, views)] as const));
    await app.produce(viewRecords(app.input, views));
    const datadir = await app.newDatadir();
    const first = await app.start(datadir);
    await waitFor(async () => (await app.progress()).committed >= BigInt(VIEWS / 3), { timeoutMs: 120_000, intervalMs: 50, message: 'the first worker to commit a third of the views' });
    assert.equal((await first.kill9()).signal, 'SIGKILL');
    const second = await app.start(datadir);
    await app.waitForDrain(180_000);

    for (const table of TRUTH_TABLES) {
      const read = new Map((await app.scan(second, table)).map((e) => [windowId(e.key, e.start, e.end), e.value]));
      const wrong = [...truths.get(table)!.values].filter(([id, value]) => read.get(id) !== value).map(([id, value]) => `${id}: read ${read.get(id)}, true ${value}`);
      assert.deepEqual({ wrong: wrong.slice(0, 5), count: wrong.length, size: read.size }, { wrong: [], count: 0, size: truths.get(table)!.values.size }, table);
    }

    const expected = new Set(TRUTH_TABLES.flatMap((table) => [...truths.get(table)!.values.keys()].map((id) => `${table}|${id}`)));
    const seen = new Map<string, number>();
    await waitFor(async () => {
      seen.clear();
      for (const record of await app.readToEnd(app.sink)) {
        const final = JSON.parse(record.value!.toString()) as { table: string; key: string; start: number; end: number; value: number };
        const id = `${final.table}|${windowId(final.key, final.start, final.end)}`;
        seen.set(id, (seen.get(id) ?? 0) + 1);
        const truth = truths.get(final.table as never)!.values.get(windowId(final.key, final.start, final.end));
        assert.equal(final.value, truth, `final result of ${id}`);
      }
      return [...expected].every((id) => seen.has(id));
    }, { timeoutMs: 90_000, intervalMs: 2000, message: () => `every window's final result (${[...expected].filter((id) => !seen.has(id)).length} missing)` });
    const repeats = [...seen.values()].reduce((sum, n) => sum + n - 1, 0);
    assert.ok([...seen.keys()].every((id) => expected.has(id)), 'no final result for a window the truth lacks');
    t.diagnostic(`final results: ${expected.size} windows, ${repeats} repeated after the kill -9 (closes since the last commit)`);
    assert.equal((await second.terminate()).code, 0);
  });
});
