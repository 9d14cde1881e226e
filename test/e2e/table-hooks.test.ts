// Table hooks on the real broker, through the CLI (test/fixtures/apps/table-hooks): onKeySet is
// called for every count the handler writes and onKeyDel for a delete, each on the partition of the
// word; after a restart on an empty datadir (a new machine), onChangelogEvent is called for every
// record of the changelog, in offset order, ending at the values the first run wrote.

import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { waitFor } from '../helpers/wait-for.js';
import { ScratchApp } from './helpers/scratch-app.js';

const WORDS = 10;
const REPEATS = 4;

interface HookLine {
  readonly hook: 'onKeySet' | 'onKeyDel' | 'onChangelogEvent';
  readonly table: string;
  readonly key: string;
  readonly value: number | null;
  readonly partition: number;
  readonly offset?: string;
}

describe('table hooks on the real broker', { timeout: 120_000 }, () => {
  let app: ScratchApp | undefined;
  after(async () => app?.close());

  it('calls onKeySet and onKeyDel for written keys, and onChangelogEvent for each changelog record recovered after a restart', async () => {
    app = await ScratchApp.fromFixture('e2e-hooks', 'table-hooks', ['words']);
    const topic = app.topic('words');
    const hookFile = join(app.root, 'hooks.jsonl');
    const lines = async (): Promise<HookLine[]> => (await readFile(hookFile, 'utf8').catch(() => '')).split('\n').filter(Boolean).map((line) => JSON.parse(line) as HookLine);

    const first = await app.start(app.env({ HOOK_FILE: hookFile }, 'data-1'));
    // Each word REPEATS times, keyed by the word; then a delete of the last word.
    const producer = await app.driver.producer();
    try {
      for (let round = 0; round < REPEATS; round++) {
        await producer.send(Array.from({ length: WORDS }, (_, w) => ({ topic, key: Buffer.from(`w${w}`), value: Buffer.from('x') })));
      }
      await producer.send([{ topic, key: Buffer.from(`w${WORDS - 1}`), value: Buffer.from('-') }]);
    } finally {
      await producer.close();
    }
    const written = await waitFor(async () => {
      const seen = await lines();
      return seen.some((l) => l.hook === 'onKeyDel') && seen;
    }, { timeoutMs: 60_000, intervalMs: 100, message: `the onKeyDel line; the worker:\n${first.tail(15)}` });
    assert.deepEqual(await first.terminate(), { code: 0, signal: null }, first.tail());

    const sets = written.filter((l) => l.hook === 'onKeySet');
    assert.equal(sets.length, WORDS * REPEATS, 'one onKeySet per write');
    const partitionOf = new Map<string, number>();
    for (const { key, partition } of sets) {
      assert.equal(partitionOf.get(key) ?? partition, partition, `${key} is written on one partition`);
      partitionOf.set(key, partition);
    }
    assert.deepEqual(new Set(partitionOf.values()), new Set([0, 1]), 'the words span both partitions');
    for (let w = 0; w < WORDS; w++) {
      assert.deepEqual(sets.filter((l) => l.key === `w${w}`).map((l) => l.value), [1, 2, 3, 4], `w${w}'s writes, in order`);
    }
    assert.deepEqual(written.filter((l) => l.hook === 'onKeyDel'), [{ hook: 'onKeyDel', table: 'word_counts', key: `w${WORDS - 1}`, value: null, partition: partitionOf.get(`w${WORDS - 1}`) }]);
    assert.equal(written.filter((l) => l.hook === 'onChangelogEvent').length, 0, 'a first start recovers nothing');

    // The changelog as the first run left it: its end offset per partition is its record count.
    const ends = new Map<number, bigint>();
    for (const { partition, latest } of await (await app.admin()).offsets(`${app.appId}-word_counts-changelog`)) ends.set(partition, latest);
    const records = [...ends.values()].reduce((a, b) => a + b, 0n);
    // At least one per word: a commit sends the last write of each key it carries (a set and the delete of w9 may share one).
    assert.ok(records >= BigInt(WORDS), `at least one record per word: ${records}`);

    // A worker with an empty datadir recovers the table from the changelog alone.
    await writeFile(hookFile, '');
    const second = await app.start(app.env({ HOOK_FILE: hookFile }, 'data-2'));
    const recovered = (await lines()).filter((l) => l.hook === 'onChangelogEvent');
    assert.equal(BigInt(recovered.length), records, 'one onChangelogEvent per changelog record, all before the worker is ready');
    for (const [partition, end] of ends) {
      assert.deepEqual(recovered.filter((l) => l.partition === partition).map((l) => BigInt(l.offset!)), Array.from({ length: Number(end) }, (_, i) => BigInt(i)), `partition ${partition}: every offset, in order`);
    }
    const last = new Map(recovered.map((l) => [l.key, l.value]));
    assert.deepEqual(Object.fromEntries(last), Object.fromEntries(Array.from({ length: WORDS }, (_, w) => [`w${w}`, w === WORDS - 1 ? null : REPEATS])), 'each word ends at its count; the deleted one at a tombstone');
    assert.equal((await lines()).filter((l) => l.hook !== 'onChangelogEvent').length, 0, 'recovery calls no key hook');
    assert.deepEqual(await second.terminate(), { code: 0, signal: null }, second.tail());
    console.log(`table hooks e2e: ${sets.length} onKeySet, 1 onKeyDel; ${recovered.length} onChangelogEvent over ${ends.size} changelog partitions after the restart`);
  });
});
