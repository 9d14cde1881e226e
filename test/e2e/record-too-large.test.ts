// Issue 10 case 1, single records: a table value or sink record too large for any batch fails the
// event that made it, through its topic's policy, on the real broker through `streamd start`. Near
// 1 MB passes; over the limit goes to the dead-letter topic with the reason (dlq), or stops the
// worker cleanly without committing past it (stop). Never the producer's MESSAGE_TOO_LARGE at the
// next commit, which crashed the worker and every restart after it.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { ConsumerRecord, ProducerRecord } from '../../src/kafka/index.js';
import { CountApp } from './helpers/count-app.js';
import type { Daemon } from './helpers/daemon.js';
import { groupProgress } from './helpers/group-progress.js';

const TIMEOUT_MS = 180_000;

/** Offsets 0..4 of partition 0: near-limit and over-limit table values and sink records, then a small one. */
function sizedInput(topic: string): ProducerRecord[] {
  const at = (key: string, sizes: Record<string, number>): ProducerRecord => ({ topic, partition: 0, key: Buffer.from(key), value: Buffer.from(JSON.stringify(sizes)) });
  return [at('near-table', { table: 1_000_000 }), at('over-table', { table: 1_100_000 }), at('near-sink', { sink: 1_000_000 }), at('over-sink', { sink: 1_100_000 }), at('small', { table: 10 })];
}

/** No line of the daemon's output is outside the JSON log: no raw stack, no Node "Unhandled" report. */
function assertOnlyJsonLines(daemon: Daemon): void {
  const raw = daemon.output.filter((line) => !line.startsWith('{'));
  assert.deepEqual(raw, [], 'every output line is a JSON log line');
  assert.equal(daemon.output.some((line) => line.includes('Unhandled')), false);
}

describe('records too large for any batch, through streamd start', () => {
  const apps: CountApp[] = [];
  after(async () => {
    await Promise.all(apps.map((a) => a.close()));
  });

  async function loaded(): Promise<CountApp> {
    const app = new CountApp({ variant: 'sized' });
    apps.push(app);
    await app.setUp();
    const producer = await app.driver.producer();
    try {
      await producer.send(sizedInput(app.input));
    } finally {
      await producer.close();
    }
    return app;
  }

  it('dlq: passes a 1 MB table value and sink record, and sends the events over the limit to the dead-letter topic with the reason', { timeout: TIMEOUT_MS }, async () => {
    const app = await loaded();
    const daemon = await app.start(await app.newDatadir(), { env: { ON_DECODE_ERROR: 'dlq' } });
    await app.waitCommittedToEnd(TIMEOUT_MS / 2);

    const deadLetters: ConsumerRecord[] = [];
    await app.readEach(app.deadLetters, 30_000, (r) => deadLetters.push(r));
    assert.deepEqual(deadLetters.map((r) => r.key?.toString()), ['over-table', 'over-sink'], 'the two events over the limit, raw, in order');
    for (const record of deadLetters) {
      const reason = record.headers['streamd-error']?.toString() ?? '';
      assert.match(reason, /bytes, over the \d+-byte limit/, 'the reason names size and limit');
      assert.match(reason, /max\.message\.bytes/, 'and what to do');
      assert.equal(record.headers['streamd-source-topic']?.toString(), app.input);
    }
    assert.match(deadLetters[0]!.headers['streamd-error']!.toString(), /table blobs.*over-table/);

    const sink: ConsumerRecord[] = [];
    await app.readEach(app.output, 30_000, (r) => sink.push(r));
    assert.deepEqual(sink.map((r) => r.value!.length > 1_000_000), [true], 'the 1 MB sink record arrived, the larger one did not');
    const { values } = await app.changelogValuesOf<string>(30_000);
    assert.deepEqual([...values.keys()].sort(), ['near-table', 'small']);
    assert.equal(values.get('near-table')?.length, 1_000_000);

    assert.equal(await daemon.counter('streamd_handler_errors_total', { agent: 'count' }), 2);
    assert.deepEqual(await daemon.terminate(), { code: 0, signal: null });
    assertOnlyJsonLines(daemon);
  });

  it('stop: stops at the first event over the limit with one line that says why, commits nothing past it, and stops there again on restart', { timeout: TIMEOUT_MS }, async () => {
    const app = await loaded();
    const datadir = await app.newDatadir();
    const daemon = await app.start(datadir, { env: { ON_DECODE_ERROR: 'stop' }, waitReady: false });
    const exit = await daemon.exited;
    assert.equal(exit.code, 1, daemon.tail());
    const why = daemon.logs().filter((l) => typeof l['msg'] === 'string' && l['msg'].includes('too large to send') && l['msg'].includes('"stop"'));
    assert.equal(why.length, 1, daemon.tail());
    assert.equal(why[0]!['code'], 'STREAMD_RECORD_TOO_LARGE');
    assert.equal(why[0]!['offset'], '1');
    assertOnlyJsonLines(daemon);
    const [partition0] = await groupProgress(await app.admin(), app.appId, app.input);
    assert.ok(partition0!.committed <= 1n, `committed ${partition0!.committed}, past the event at offset 1`);

    const again = await app.start(datadir, { env: { ON_DECODE_ERROR: 'stop' }, waitReady: false });
    assert.equal((await again.exited).code, 1, 'a restart stops at the same event: it was not skipped');
    assertOnlyJsonLines(again);
  });
});
