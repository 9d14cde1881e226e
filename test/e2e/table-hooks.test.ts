// Table hooks on the real broker, through the CLI (test/fixtures/apps/table-hooks): onKeySet is
// called for every count the handler writes and onKeyDel for a delete, each on the partition of the
// word; after a restart on an empty datadir (a new machine), onChangelogEvent is called for every
// record of the changelog, in offset order, ending at the values the first run wrote.

import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createDriver } from '../../src/kafka/index.js';
import { uniqueName } from '../helpers/unique-name.js';
import { waitFor } from '../helpers/wait-for.js';
import { repoPath } from '../kafka/repo-root.js';
import { Daemon } from './helpers/daemon.js';
import { brokerAddress } from './helpers/pipeline-app.js';

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
  const appId = uniqueName('e2e-hooks');
  const broker = `kafka://${brokerAddress()}`;
  const driver = createDriver(broker);
  let root: string | undefined;
  const daemons: Daemon[] = [];
  after(async () => {
    for (const daemon of daemons) await daemon.kill9().catch(() => undefined);
    await driver.close().catch(() => undefined);
    if (root !== undefined) await rm(root, { recursive: true, force: true });
  });

  it('calls onKeySet and onKeyDel for written keys, and onChangelogEvent for each changelog record recovered after a restart', async () => {
    root = await mkdtemp(join(tmpdir(), `${appId}-`));
    const app = join(root, 'app');
    await cp(repoPath('test', 'fixtures', 'apps', 'table-hooks'), app, { recursive: true });
    const manifest = join(app, 'app.yaml');
    const topic = `words_${appId.replace(/-/g, '_')}`;
    await writeFile(manifest, (await readFile(manifest, 'utf8')).replace(/\bwords\b/g, topic));
    const hookFile = join(root, 'hooks.jsonl');
    const env = (datadir: string): Record<string, string> => ({ APP_ID: appId, STREAMD_BROKER: broker, STREAMD_DATADIR: join(root!, datadir), HOOK_FILE: hookFile });
    const lines = async (): Promise<HookLine[]> => (await readFile(hookFile, 'utf8').catch(() => '')).split('\n').filter(Boolean).map((line) => JSON.parse(line) as HookLine);

    const first = await Daemon.start({ manifest, args: ['--web-host', '127.0.0.1'], env: env('data-1') });
    daemons.push(first);
    // Each word REPEATS times, keyed by the word; then a delete of the last word.
    const producer = await driver.producer();
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
    const admin = await driver.admin();
    const ends = new Map<number, bigint>();
    try {
      for (const { partition, latest } of await admin.offsets(`${appId}-word_counts-changelog`)) ends.set(partition, latest);
    } finally {
      await admin.close();
    }
    const records = [...ends.values()].reduce((a, b) => a + b, 0n);
    // At least one per word: a commit sends the last write of each key it carries (a set and the delete of w9 may share one).
    assert.ok(records >= BigInt(WORDS), `at least one record per word: ${records}`);

    // A worker with an empty datadir recovers the table from the changelog alone.
    await writeFile(hookFile, '');
    const second = await Daemon.start({ manifest, args: ['--web-host', '127.0.0.1'], env: env('data-2') });
    daemons.push(second);
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
