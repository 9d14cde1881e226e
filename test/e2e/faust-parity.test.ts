// The Faust-parity app (test/fixtures/apps/faust-parity), written from the README, on the real broker:
// an order sent with `streamd send` to a json|gzip topic reaches its agent with the model's default
// filled in; the agent asks a channel-fed agent for each of its 100 items with agent.map and gets the
// answers back in order (the channel's model default applied to each); a function sink receives every
// item; the result lands on a json|gzip topic whose raw bytes are gzip and whose value round-trips; a
// send with partition and timestamp lands there with that time. `streamd send --repeat 2` sends it twice.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, describe, it } from 'node:test';
import { runStreamd } from '../fixtures/cli/cli-process.js';
import { waitFor } from '../helpers/wait-for.js';
import { ScratchApp } from './helpers/scratch-app.js';

const ITEMS = 100;

describe('a Faust-style app: model default, channel-fed agent, agent.map, function sink, json|gzip', { timeout: 120_000 }, () => {
  let app: ScratchApp | undefined;
  after(async () => app?.close());

  it('prices every item of an order in order, through the channel agent and into the sink', async () => {
    // Topics of their own on the shared broker: the fixture's names with this run's suffix.
    app = await ScratchApp.fromFixture('e2e-faust', 'faust-parity', ['orders', 'priced', 'audit', 'taxes']);
    const [orders, pricedTopic, audit] = [app.topic('orders'), app.topic('priced'), app.topic('audit')];
    const sinkFile = join(app.root, 'sink.jsonl');
    const env = app.env({ SINK_FILE: sinkFile, AUDIT_TOPIC: audit });
    const daemon = await app.start(env);

    // The order leaves out `currency`: the Order model's default (EUR) is applied when the agent reads it.
    const at = Date.UTC(2024, 0, 2, 3, 4, 5);
    const order = { id: 'o-1', count: ITEMS, at };
    const sent = await runStreamd(['send', orders, JSON.stringify(order), '--key', 'o-1', '--repeat', '2', '--json', '--manifest', app.manifest], { env });
    assert.equal(sent.code, 0, sent.stderr);
    const landed = sent.stdout.trim().split('\n').map((line) => JSON.parse(line) as { offset: string });
    assert.equal(landed.length, 2, 'send --repeat 2 prints two landings');

    const collector = await app.collect([pricedTopic, orders, audit]);
    await collector.until((records) => records.filter((r) => r.topic === pricedTopic).length >= 2, { timeoutMs: 60_000, message: `both priced orders; the worker:\n${daemon.tail(15)}` });

    // The input topic's bytes as `streamd send` wrote them: gzip of the JSON the user typed.
    const input = collector.records.find((r) => r.topic === orders)!;
    assert.deepEqual([...input.value!.subarray(0, 2)], [0x1f, 0x8b], 'the orders record is gzip');
    assert.deepEqual(JSON.parse(gunzipSync(input.value!).toString('utf8')), order);
    assert.equal(collector.records.filter((r) => r.topic === orders).length, 2, 'two order records');

    // The handler's send with partition 2 and the order's time as the record timestamp.
    const audits = (await collector.until((records) => records.filter((r) => r.topic === audit).length >= 2, { timeoutMs: 30_000, message: 'two audit records' }))
      .filter((r) => r.topic === audit);
    assert.deepEqual(audits.map((r) => [r.partition, r.timestamp, r.key?.toString('utf8')]), [[2, at, 'o-1'], [2, at, 'o-1']]);

    const output = collector.records.filter((r) => r.topic === pricedTopic);
    assert.equal(output.length, 2);
    assert.deepEqual(output[0]!.value, output[1]!.value, 'both orders priced alike');
    const raw = output[0]!.value!;
    assert.deepEqual([...raw.subarray(0, 2)], [0x1f, 0x8b], 'the priced record is gzip');
    const priced = JSON.parse(gunzipSync(raw).toString('utf8')) as { id: string; currency: string; answers: { n: number; price: number; unit: string }[]; taxes: string[] };
    assert.equal(priced.id, 'o-1');
    assert.equal(priced.currency, 'EUR', "the Order model's default");
    assert.equal(priced.answers.length, ITEMS);
    assert.deepEqual(priced.answers.map((a) => a.n), Array.from({ length: ITEMS }, (_, n) => n), 'agent.map answers in input order');
    assert.ok(priced.answers.every((a) => a.price === a.n * a.n && a.unit === 'piece'), "each answer priced, with the Item model's default");
    assert.equal(output[0]!.key?.toString('utf8'), 'o-1', 'the sink record keeps the order key');
    assert.deepEqual(priced.taxes, Array.from({ length: ITEMS }, (_, n) => `item-${n}:${n * 2}`), 'kvjoin over Kafka: answers in input order, each value with its key');

    // The function sink saw every item, each from the channel (no topic, no offset).
    const sunk = await waitFor(async () => {
      const lines = (await readFile(sinkFile, 'utf8').catch(() => '')).split('\n').filter(Boolean);
      return lines.length >= 2 * ITEMS && lines;
    }, { timeoutMs: 10_000, intervalMs: 50, message: 'the sink file holding every item' });
    const entries = sunk.map((line) => JSON.parse(line) as { value: { n: number }; topic: string });
    assert.equal(entries.length, 2 * ITEMS);
    assert.deepEqual(entries.map((e) => e.value.n).sort((a, b) => a - b), Array.from({ length: 2 * ITEMS }, (_, i) => Math.floor(i / 2)));
    assert.ok(entries.every((e) => e.topic === 'channel:items'));
    console.log(`faust parity: ${ITEMS} items priced through agent.map over channel items; sink got ${entries.length} over 2 orders; priced record ${raw.length} gzip bytes`);

    assert.deepEqual(await daemon.terminate(), { code: 0, signal: null }, daemon.tail());
  });
});
