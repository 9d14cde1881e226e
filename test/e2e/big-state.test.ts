// Acceptance of issue 10 case 1 on the real broker, through `streamd start` with default settings:
// a stateful count over 1,000,000 distinct keys, and one over keys of 2,000 characters. Before
// produce requests were sized by bytes, each died of MESSAGE_TOO_LARGE at its first large commit
// and crash-looped on restart. Now each completes with the changelog equal to the truth.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { CountApp } from './helpers/count-app.js';

const TIMEOUT_MS = 15 * 60_000;

function seconds(since: number): string {
  return ((performance.now() - since) / 1000).toFixed(1);
}

/** Runs one worker over the loaded input to the end; asserts it never exited and stops it cleanly. */
async function countAll(app: CountApp, distinct: number, label: string): Promise<Map<string, number>> {
  const startedAt = performance.now();
  const daemon = await app.start(await app.newDatadir(), { readyTimeoutMs: 120_000 });
  const outcome = await Promise.race([
    app.waitCommittedToEnd(TIMEOUT_MS / 2).then(() => 'done' as const),
    daemon.exited.then((exit) => exit),
  ]);
  assert.equal(outcome, 'done', `${label}: the worker exited before it finished:\n${daemon.tail(15)}`);
  const processed = seconds(startedAt);
  assert.deepEqual(await daemon.terminate(), { code: 0, signal: null }, daemon.tail(15));
  assert.equal(daemon.output.some((line) => line.includes('MESSAGE_TOO_LARGE') || line.includes('too large')), false, daemon.tail(15));
  const readAt = performance.now();
  const { values, records, withPositions, isLastWithPositions } = await app.changelogValues(TIMEOUT_MS / 4);
  console.log(`${label}: ${distinct} distinct keys counted in ${processed} s (start to all committed); changelog of ${records} records (${withPositions} with the positions header) read in ${seconds(readAt)} s`);
  // One positions header per table partition per commit, on the flush's last record: far fewer than records.
  assert.ok(withPositions * 10 <= records, `${withPositions} of ${records} changelog records carry the positions header`);
  assert.ok(isLastWithPositions, 'the last record of every changelog partition carries the positions (recovery resumes from them)');
  return values;
}

describe('stateful counts too large for one produce request, with default settings', () => {
  const apps: CountApp[] = [];
  after(async () => {
    await Promise.all(apps.map((a) => a.close()));
  });

  it('counts 1,000,000 distinct keys with the table equal to the truth and no crash', { timeout: TIMEOUT_MS }, async () => {
    const app = new CountApp();
    apps.push(app);
    await app.setUp();
    const distinct = 1_000_000;
    const keyOf = (i: number): string => `key-${i.toString(36).padStart(5, '0')}`;
    function* keys(): Generator<string> {
      for (let i = 0; i < distinct; i++) yield keyOf(i);
    }
    const loadAt = performance.now();
    await app.load(keys());
    console.log(`1M keys: input produced in ${seconds(loadAt)} s`);
    const values = await countAll(app, distinct, '1M keys');
    assert.equal(values.size, distinct, 'one changelog key per input key');
    let wrong = 0;
    for (let i = 0; i < distinct; i++) if (values.get(keyOf(i)) !== 1) wrong++;
    assert.equal(wrong, 0, 'every key counted exactly once');
  });

  it('counts keys of 2,000 characters with the table equal to the truth and no crash', { timeout: TIMEOUT_MS }, async () => {
    const app = new CountApp();
    apps.push(app);
    await app.setUp();
    const distinct = 5_000;
    const repeats = 3;
    const keyOf = (i: number): string => `${i.toString().padStart(6, '0')}-${'k'.repeat(2_000 - 7)}`;
    function* keys(): Generator<string> {
      for (let r = 0; r < repeats; r++) for (let i = 0; i < distinct; i++) yield keyOf(i);
    }
    const loadAt = performance.now();
    await app.load(keys(), 1_000);
    console.log(`2,000-character keys: ${distinct * repeats} records produced in ${seconds(loadAt)} s`);
    const values = await countAll(app, distinct, '2,000-character keys');
    assert.equal(values.size, distinct, 'one changelog key per input key');
    let wrong = 0;
    for (let i = 0; i < distinct; i++) if (values.get(keyOf(i)) !== repeats) wrong++;
    assert.equal(wrong, 0, `every key counted exactly ${repeats} times`);
  });
});
